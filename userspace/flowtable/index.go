package flowtable

import (
	"hash/maphash"
	"math/bits"
	"unsafe"
)

// index maps flow keys to slots with open addressing and linear probing.
// Each entry packs a 32-bit hash h32 of the key (high half) and slot+1
// (low half); 0 is empty. The home position is h32 & mask, so growing and
// deleting never touch the flows, and the h32 comparison rejects almost
// every other key before the flow's key is read. A lookup thus costs one
// index cache line plus the flow itself, which the caller touches next
// anyway. Deletion shifts later entries back, so there are no tombstones.
type index struct {
	seed    [4]uint64 // random per table: keys come off the wire
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
	x := index{entries: e, mask: uint32(size - 1), free: free}
	for i := range x.seed {
		// maphash's seed is drawn from the runtime's random source; the
		// hash of a constant under it is as unpredictable as the seed.
		x.seed[i] = maphash.Comparable(maphash.MakeSeed(), i) | 1
	}
	return x
}

// keyWords is the key's size in 64-bit words. hash reads exactly seven:
// the index expression below stops the build if the C struct changes size.
const keyWords = unsafe.Sizeof(Key{}) / 8

var _ = [1]struct{}{}[unsafe.Sizeof(Key{})-7*8]

// hash returns the 32-bit hash of k used for both home and tag. It folds
// the key's seven words with 64x64->128-bit multiplies (the wyhash
// mixing step), each word XORed with a secret seed so that traffic
// cannot be crafted to collide, at a third of maphash's cost on this key.
func (x *index) hash(k *Key) uint32 {
	w := (*[keyWords]uint64)(unsafe.Pointer(k))
	s := &x.seed
	a := mum(w[0]^s[0], w[1]^s[1])
	b := mum(w[2]^s[2], w[3]^s[3])
	c := mum(w[4]^s[1], w[5]^s[2])
	d := mum(w[6]^s[3], a^s[0])
	return uint32(mum(b^s[1], c^d) >> 32)
}

// sameKey reports whether a and b are equal, comparing the seven words
// inline (== on the struct calls the runtime's generic memequal). The
// generated Key has no implicit padding (its Pad field is compared by ==
// too), so the two agree on every byte.
func sameKey(a, b *Key) bool {
	x := (*[keyWords]uint64)(unsafe.Pointer(a))
	y := (*[keyWords]uint64)(unsafe.Pointer(b))
	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] &&
		x[4] == y[4] && x[5] == y[5] && x[6] == y[6]
}

// mum multiplies a and b to 128 bits and folds the halves.
func mum(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

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
			if sameKey(&t.node(s).Key, k) {
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
