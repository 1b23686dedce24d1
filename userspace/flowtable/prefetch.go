package flowtable

import "unsafe"

// cacheLine is the line size warmFree steps by (64 bytes on the amd64
// and arm64 machines flowtap runs on; a wrong guess only costs speed).
const cacheLine = 64

// Prefetch reads the index entries and then the flows that lookups with
// hashes hs will touch, one tight loop each, so that the CPU overlaps
// their cache misses (Go has no prefetch instruction; plain independent
// loads in a short loop do the same). Call it for a batch of packets
// before processing them. slots is scratch space of len(hs). It also
// readies the slots the batch's new flows will take (warmFree).
func (t *Table) Prefetch(hs []uint32, slots []int32) uint64 {
	x := &t.idx
	misses := 0 // packets that will most likely create a flow
	for i, h := range hs {
		// Probe by hash only: the slot whose entry carries h is almost
		// always the flow find will confirm with the key.
		slots[i] = -1
		misses++
		for j := h & x.mask; ; j = (j + 1) & x.mask {
			e := x.entries[j]
			if e == 0 {
				break
			}
			if uint32(e>>32) == h {
				slots[i] = int32(uint32(e)) - 1
				misses--
				break
			}
		}
	}
	var sink uint64
	for _, s := range slots[:len(hs)] {
		if s >= 0 {
			// The key (compared by find), the counters, the LRU link and
			// the opposite's TCP state (read by tcpStates) are the lines a
			// packet touches.
			f := t.node(s)
			st := &f.State
			sink += uint64(f.Key.SrcIp[0]) + uint64(f.Key.L4Proto) + st.Status + uint64(st.MaxIatNs) +
				uint64(st.WinThCnt) + uint64(st.HdrDesc[1][0]) + uint64(st.DstMac[0][0]) + uint64(st.MiscBits) +
				uint64(t.lru[s].prev)
			if f.opp >= 0 {
				sink += uint64(t.node(f.opp).State.SynSeq)
			}
		}
	}
	t.warmFree(misses)
	return sink // only defeats dead-code elimination
}

// warmFree writes one byte in every cache line of the next n slots alloc
// will hand out, so that Create's first writes to a new flow hit lines
// already owned by this core. A load would not do for slots never used:
// reading untouched anonymous memory maps the shared zero page, and the
// first real write would fault again. The slots are free, and Create
// overwrites every field, so the bytes written carry nothing.
func (t *Table) warmFree(n int) {
	for k := 0; k < n; k++ {
		var i int32
		if k < len(t.free) {
			i = t.free[len(t.free)-1-k]
		} else {
			i = t.n + int32(k-len(t.free))
			if int(i) >= len(t.nodes) {
				return
			}
		}
		b := unsafe.Slice((*byte)(unsafe.Pointer(t.node(i))), unsafe.Sizeof(Flow{}))
		for off := 0; off < len(b); off += cacheLine {
			b[off] = 0
		}
		b[len(b)-1] = 0
	}
}
