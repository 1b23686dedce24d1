package flowtable

import "github.com/flowtap/flowtap/userspace/datapath"

// Prefetch reads the index entries and then the flows that lookups with
// hashes hs (of the keys of ms) will touch, one tight loop each, so that
// the CPU overlaps their cache misses (Go has no prefetch instruction;
// plain independent loads in a short loop do the same). Call it for a
// batch of packets before processing them. slots is scratch space of
// len(hs).
func (t *Table) Prefetch(hs []uint32, ms []datapath.Meta, slots []int32) uint64 {
	var sink uint64
	for i, h := range hs {
		// Probe by hash only: the slot whose entry carries h is almost
		// always the flow find will confirm with the key.
		slots[i] = t.probe(h)
		if slots[i] < 0 && !ms[i].NoFlow {
			// A packet without flow creates one: Create looks up the
			// reverse key (the opposite direction) right away.
			rk := reverseKey(&ms[i].Key, ms[i].L2Flow)
			if r := t.probe(t.idx.hash(&rk)); r >= 0 {
				sink += t.node(r).State.Status
			}
		}
	}
	for _, s := range slots[:len(hs)] {
		if s >= 0 {
			// A packet touches the flow's first four lines (bpf/types.h
			// orders the state so), its link, and the opposite's TCP
			// state (read by tcpStates).
			f := t.node(s)
			st := &f.State
			sink += uint64(f.Key.SrcIp[0]) + st.Pkts + uint64(st.MaxIatNs) + uint64(st.HdrDesc[0][0]) +
				uint64(t.lru[s].prev)
			if o := t.lru[s].opp; o >= 0 {
				sink += uint64(t.node(o).State.TcpState)
			}
		}
	}
	return sink // only defeats dead-code elimination
}

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
