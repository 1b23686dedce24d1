package flowtable

import "hash/maphash"

// index maps flow keys to slots with open addressing and linear probing.
// Each entry packs a 32-bit hash h32 of the key (high half) and slot+1
// (low half); 0 is empty. The home position is h32 & mask, so growing and
// deleting never touch the flows, and the h32 comparison rejects almost
// every other key before the flow's key is read. A lookup thus costs one
// index cache line plus the flow itself, which the caller touches next
// anyway. Deletion shifts later entries back, so there are no tombstones.
type index struct {
	seed    maphash.Seed
	entries []uint64
	mask    uint32
	n       int
	free    func()
}

// newIndex sizes the index for capacity keys at a load of at most 1/2.
func newIndex(capacity int) index {
	size := 1024
	for size < 2*capacity {
		size <<= 1
	}
	e, free := allocSlice[uint64](size)
	return index{seed: maphash.MakeSeed(), entries: e, mask: uint32(size - 1), free: free}
}

// hash returns the 32-bit hash of k used for both home and tag.
func (x *index) hash(k *Key) uint32 { return uint32(maphash.Comparable(x.seed, *k) >> 32) }

// find returns the slot of key k with hash h, or -1.
func (t *Table) find(k *Key, h uint32) int32 {
	x := &t.idx
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		e := x.entries[i]
		if e == 0 {
			return -1
		}
		if uint32(e>>32) == h {
			s := int32(uint32(e)) - 1
			if t.node(s).Key == *k {
				return s
			}
		}
	}
}

// insert records slot s for a key with hash h; the key must be absent.
func (t *Table) insert(h uint32, s int32) {
	x := &t.idx
	x.put(uint64(h)<<32 | uint64(uint32(s+1)))
	x.n++
}

func (x *index) put(e uint64) {
	for i := uint32(e>>32) & x.mask; ; i = (i + 1) & x.mask {
		if x.entries[i] == 0 {
			x.entries[i] = e
			return
		}
	}
}

// erase removes slot s (key hash h) by backward-shift deletion: entries
// after the hole move into it unless their home lies after the hole.
func (t *Table) erase(h uint32, s int32) {
	x := &t.idx
	want := uint64(uint32(s + 1))
	i := h & x.mask
	for x.entries[i]&0xffffffff != want {
		if x.entries[i] == 0 {
			return // not indexed
		}
		i = (i + 1) & x.mask
	}
	for j := (i + 1) & x.mask; ; j = (j + 1) & x.mask {
		e := x.entries[j]
		if e == 0 {
			break
		}
		home := uint32(e>>32) & x.mask
		// e may fill the hole at i when i lies on its probe path home..j.
		if (j-home)&x.mask >= (j-i)&x.mask {
			x.entries[i] = e
			i = j
		}
	}
	x.entries[i] = 0
	x.n--
}
