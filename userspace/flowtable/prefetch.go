package flowtable

import (
	"unsafe"

	"github.com/flowtap/flowtap/userspace/datapath"
)

// probe returns the slot of the first index entry carrying hash h, or -1.
func (t *Table) probe(h uint32) int32 {
	x := &t.idx
	for j := h & x.mask; ; j = (j + 1) & x.mask {
		e := x.entries[j]
		if e == 0 {
			return -1
		}
		if uint32(e>>32) == h {
			return int32(uint32(e)) - 1
		}
	}
}

// PrefetchIndex starts loading the index line where a lookup of hash h
// begins. With PrefetchFlow it is the early stage of a rolling prefetch:
// call PrefetchIndex a few packets before PrefetchFlow, and PrefetchFlow
// a few packets before the packet is processed.
func (t *Table) PrefetchIndex(h uint32) {
	prefetchLine(uintptr(unsafe.Pointer(&t.idx.entries[h&t.idx.mask])))
}

// PrefetchFlow finds the flow that the packet m (key hash h) will touch
// and starts loading its lines and its LRU link without waiting for them.
// A packet without a flow yet probes, as Create will, for the opposite
// direction. The return value only defeats dead-code elimination.
func (t *Table) PrefetchFlow(h uint32, m *datapath.Meta) uint64 {
	if s := t.probe(h); s >= 0 {
		prefetchFlowLines(uintptr(unsafe.Pointer(&t.nodes[s])), uintptr(unsafe.Pointer(&t.lru[s])))
		return 0
	}
	if m.NoFlow {
		return 0
	}
	rk := reverseKey(&m.Key, m.L2Flow)
	if r := t.probe(t.idx.hash(&rk)); r >= 0 {
		return t.nodes[r].State.Status
	}
	return 0
}

// PrefetchWhole starts loading all five lines of flow f (nil: nothing),
// for code that is about to read a whole flow, such as the formatting of
// ended flows.
func PrefetchWhole(f *Flow) {
	if f != nil {
		a := uintptr(unsafe.Pointer(f))
		prefetchFlowLines(a, a+256)
	}
}
