package datapath

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// bigOf returns a as a big.Int.
func bigOf(a u128) *big.Int {
	x := new(big.Int).SetUint64(a.hi)
	x.Lsh(x, 64)
	return x.Or(x, new(big.Int).SetUint64(a.lo))
}

// interesting returns random words biased to the edges where the fast
// paths switch: zero, small, near powers of two and near the maximum.
func interesting(r *rand.Rand) uint64 {
	switch r.IntN(6) {
	case 0:
		return r.Uint64N(4)
	case 1:
		return r.Uint64N(1 << 20)
	case 2:
		s := r.UintN(64)
		return uint64(1)<<s + r.Uint64N(3) - 1
	case 3:
		return math.MaxUint64 - r.Uint64N(4)
	default:
		return r.Uint64()
	}
}

// TestU128Div checks the 128/64 division, fast path included, against
// math/big on random and edge operands.
func TestU128Div(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2_000_000 {
		a := u128{interesting(r), interesting(r)}
		n := interesting(r)
		if n == 0 {
			n = 1
		}
		got := a.div(n)
		want := new(big.Int).Quo(bigOf(a), new(big.Int).SetUint64(n))
		if bigOf(got).Cmp(want) != 0 {
			t.Fatalf("%#x:%#x / %d = %#x:%#x, want %s", a.hi, a.lo, n, got.hi, got.lo, want.Text(16))
		}
	}
}

// TestMeanFx checks the fixed-point mean against its definition, q<<shift
// + (r<<shift)/cnt in 64-bit arithmetic (what the C twin computes), for
// both shifts in use.
func TestMeanFx(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 2_000_000 {
		sum, cnt := interesting(r), interesting(r)
		for _, shift := range []uint{sizeShift, iatShift} {
			want := uint64(0)
			if cnt != 0 {
				q, rem := sum/cnt, sum%cnt
				want = q<<shift + (rem<<shift)/cnt
			}
			if got := meanFx(sum, cnt, shift); got != want {
				t.Fatalf("meanFx(%d, %d, %d) = %d, want %d", sum, cnt, shift, got, want)
			}
		}
	}
}
