package flowtable

import (
	"encoding/binary"
	"hash/maphash"
	"testing"
	"unsafe"
)

// seqKeys builds n IPv4/TCP keys the way a scan or a busy server makes
// them: consecutive addresses and ports, the worst case for a weak hash.
func seqKeys(n int) []Key {
	ks := make([]Key, n)
	for i := range ks {
		k := &ks[i]
		k.EthType = 0x0800
		k.L4Proto = 6
		binary.BigEndian.PutUint32(k.SrcIp[:], 0x0a000000+uint32(i/256))
		binary.BigEndian.PutUint32(k.DstIp[:], 0xc0a80001)
		k.SrcPort = uint16(1024 + i%256)
		k.DstPort = 443
	}
	return ks
}

// TestIndexHashSpreads checks that sequential keys fill the home
// positions of a half-loaded index about as evenly as random numbers
// would (longest probe run and distinct tags), and that the seed matters.
func TestIndexHashSpreads(t *testing.T) {
	const n = 1 << 16
	x := newIndex(n)
	defer x.free()
	ks := seqKeys(n)
	home := make([]int, x.mask+1)
	tags := map[uint32]bool{}
	for i := range ks {
		h := x.hash(&ks[i])
		home[h&x.mask]++
		tags[h] = true
	}
	maxLoad := 0
	for _, c := range home {
		maxLoad = max(maxLoad, c)
	}
	// 65536 keys into 131072 positions: a uniform hash gives a maximum of
	// about 7; a hash that ignores a field piles hundreds onto one.
	if maxLoad > 10 {
		t.Errorf("%d of %d keys share one home position", maxLoad, n)
	}
	// Birthday bound: about n^2/2^33 = 0.5 equal 32-bit tags expected.
	if len(tags) < n-8 {
		t.Errorf("only %d distinct tags for %d keys", len(tags), n)
	}
	y := newIndex(n)
	defer y.free()
	same := 0
	for i := range 1000 {
		if x.hash(&ks[i]) == y.hash(&ks[i]) {
			same++
		}
	}
	if same > 2 {
		t.Errorf("%d of 1000 keys hash the same under two seeds", same)
	}
}

// TestIndexHashEveryByte flips each bit of a key and expects the hash to
// change: every field (and the padding C keeps zero) takes part.
func TestIndexHashEveryByte(t *testing.T) {
	x := newIndex(1)
	defer x.free()
	k := seqKeys(1)[0]
	h := x.hash(&k)
	b := (*[unsafe.Sizeof(Key{})]byte)(unsafe.Pointer(&k))
	for i := range b {
		for bit := range 8 {
			b[i] ^= 1 << bit
			if x.hash(&k) == h {
				t.Errorf("flipping bit %d of byte %d leaves the hash unchanged", bit, i)
			}
			b[i] ^= 1 << bit
		}
	}
}

func BenchmarkIndexHash(b *testing.B) {
	x := newIndex(1)
	defer x.free()
	ks := seqKeys(1024)
	b.Run("flowtap", func(b *testing.B) {
		var s uint32
		for i := 0; b.Loop(); i++ {
			s += x.hash(&ks[i&1023])
		}
		_ = s
	})
	b.Run("maphash", func(b *testing.B) {
		seed := maphash.MakeSeed()
		var s uint64
		for i := 0; b.Loop(); i++ {
			s += maphash.Comparable(seed, ks[i&1023])
		}
		_ = s
	})
}

// TestSameKeyMatchesEquality checks the word-wise comparison against ==
// for keys that differ in exactly one byte, at every byte position.
func TestSameKeyMatchesEquality(t *testing.T) {
	var a Key
	ab := (*[keyWords * 8]byte)(unsafe.Pointer(&a))
	for i := range ab {
		ab[i] = byte(i*7 + 1)
	}
	if !sameKey(&a, &a) {
		t.Fatal("a key differs from itself")
	}
	for i := range ab {
		for _, flip := range []byte{1, 0x80, 0xff} {
			b := a
			(*[keyWords * 8]byte)(unsafe.Pointer(&b))[i] ^= flip
			if got, want := sameKey(&a, &b), a == b; got != want {
				t.Fatalf("byte %d ^ %#x: sameKey %v, == %v", i, flip, got, want)
			}
		}
	}
}
