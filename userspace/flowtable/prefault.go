package flowtable

import (
	"math"
	"unsafe"
)

// prefaultChunk is how many bytes of the flow array are faulted in at a
// time (one huge page); the prefaulter keeps one to two chunks ahead of
// the slots in use.
const prefaultChunk = 2 << 20

// prefaulter has the kernel fault in (and zero) the flow array's pages
// ahead of the slots handed out, on a goroutine of its own. Otherwise a
// new flow's first write to a fresh huge page makes the flow table's
// goroutine, the busiest one, wait while the kernel zeroes 2 MiB, and
// 200,000 flows take 69 MB. Faulting in changes no byte, so it needs no
// synchronisation with the table's writes.
type prefaulter struct {
	req   chan []byte // ranges of mem to fault in
	mem   []byte      // the flow array
	size  int         // bytes per slot
	asked int         // mem[:asked] was asked for
	next  int32       // the slot whose allocation asks for more
}

// newPrefaulter starts faulting in nodes' memory ahead of use; it returns
// nil where the kernel cannot (pages are then faulted in on first write).
// stop ends its goroutine; call it before freeing nodes.
func newPrefaulter(nodes []Flow) (pf *prefaulter, stop func()) {
	if len(nodes) == 0 || !canPrefault() {
		return nil, func() {}
	}
	size := int(unsafe.Sizeof(nodes[0]))
	pf = &prefaulter{
		req:  make(chan []byte, 4),
		mem:  unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(nodes))), len(nodes)*size),
		size: size,
	}
	done := make(chan struct{})
	go func(req chan []byte) {
		defer close(done)
		ok := true
		for r := range req {
			// After a failure (a kernel without MADV_POPULATE_WRITE) the
			// requests are only drained.
			ok = ok && prefault(r) == nil
		}
	}(pf.req)
	pf.ask(2)
	return pf, func() { close(pf.req); <-done }
}

// allocated notes that slot n, a new high-water mark, was handed out.
func (pf *prefaulter) allocated(n int32) {
	if pf != nil && n >= pf.next {
		pf.ask(1)
	}
}

// ask requests the next chunks and sets the slot that asks again: the
// first slot of the last chunk asked for.
func (pf *prefaulter) ask(chunks int) {
	for range chunks {
		if pf.asked >= len(pf.mem) {
			break
		}
		hi := min(pf.asked+prefaultChunk, len(pf.mem))
		select {
		case pf.req <- pf.mem[pf.asked:hi]:
		default:
			// The goroutine is behind: first writes fault these pages in.
		}
		pf.asked = hi
	}
	if pf.asked >= len(pf.mem) {
		pf.next = math.MaxInt32
		return
	}
	pf.next = int32((pf.asked - prefaultChunk) / pf.size)
}
