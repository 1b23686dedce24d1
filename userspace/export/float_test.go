package export

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

// appendFloatRef is AppendFloat as it was before the fast path: the
// special cases, then strconv for everything. It is the reference the
// fast path must match byte for byte.
func appendFloatRef(b []byte, v float64) []byte {
	return appendFloatSlow(b, float64(float32(v)))
}

// floatStride is how far apart the float32 bit patterns checked by
// TestAppendFloatStride are: about 33 million values over the 32-bit
// space. FLOWTAP_FLOAT_STRIDE=1 checks every float32 (minutes).
func floatStride(t *testing.T) uint64 {
	if s := os.Getenv("FLOWTAP_FLOAT_STRIDE"); s != "" {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil || n == 0 {
			t.Fatalf("FLOWTAP_FLOAT_STRIDE=%q: want a positive integer", s)
		}
		return n
	}
	if testing.Short() {
		return 4099
	}
	// Odd, so the low mantissa bits (and with them near-ties) vary.
	return 129
}

// TestAppendFloatStride compares AppendFloat with the strconv reference
// for float32 bit patterns spread over the whole 32-bit space (both signs,
// subnormals, NaNs and infinities included), and checks that ordinary
// magnitudes really take the fast path.
func TestAppendFloatStride(t *testing.T) {
	stride := floatStride(t)
	workers := uint64(runtime.GOMAXPROCS(0))
	var mu sync.Mutex
	var inRange, fast uint64
	var wg sync.WaitGroup
	for w := uint64(0); w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var got, want []byte
			var in, fa, bad uint64
			for x := w * stride; x <= math.MaxUint32; x += workers * stride {
				f := math.Float32frombits(uint32(x))
				got = AppendFloat(got[:0], float64(f))
				want = appendFloatRef(want[:0], float64(f))
				if string(got) != string(want) && bad < 20 {
					bad++
					t.Errorf("bits %#08x (%g): got %q, want %q", x, f, got, want)
				}
				if a := math.Abs(float64(f)); a >= 1e-5 && a < 1e15 {
					in++
					if _, _, ok := decimal7(a); ok {
						fa++
					}
				}
			}
			mu.Lock()
			inRange, fast = inRange+in, fast+fa
			mu.Unlock()
		}()
	}
	wg.Wait()
	// Only near-ties (|frac - 0.5| < 1e-6 of the last digit) and values
	// next to powers of ten may leave the fast path.
	if inRange == 0 || float64(fast) < 0.9999*float64(inRange) {
		t.Errorf("fast path took %d of %d values in [1e-5, 1e15)", fast, inRange)
	}
	t.Logf("stride %d: %d values in [1e-5, 1e15), %d on the fast path", stride, inRange, fast)
}

// edgeFloats returns values where rounding or the output form changes:
// powers of ten and the float32 values next to them, 7-digit numbers that
// round up to the next power of ten, the ends of the fast range, exact
// ties, subnormals and the float32 limits.
func edgeFloats() map[string][]float32 {
	var pow, below []float32
	for e := -46; e <= 39; e++ {
		p := float32(math.Pow(10, float64(e)))
		// 9999999.5 * 10^(e-7): the tie that rounds up to 10^e.
		h := float32(9999999.5 * math.Pow(10, float64(e-7)))
		for _, x := range []float32{p, h} {
			lo, hi := x, x
			for i := 0; i < 3; i++ {
				lo, hi = math.Nextafter32(lo, 0), math.Nextafter32(hi, math.MaxFloat32)
				below = append(below, lo, hi)
			}
		}
		pow = append(pow, p)
		below = append(below, h)
	}
	return map[string][]float32{
		"powers of ten": pow,
		"neighbours":    below,
		"round up":      {9999999.5, 0.00099999995, 9.9999995e-6, 99999.995, 999999.94, 9.999999e14, 9.9999995e27},
		"range ends": {1e-16, 9.999999e-17, 1.0000001e-16, 1e28, 9.999999e27, 1.0000001e28,
			1e-5, 9.999999e-6, 1.00000005e-5, 1e15, 9.9999999e14, 1.0000001e15},
		"ties": {1234567.5, 0.5, 2.5, 8388607.5, 1.5, 12345675, 12345665, 16777215, 0.0625, 1048575.5,
			0.000244140625, 3.0517578e-05, 9999998.5},
		"ordinary":    {145.4545, 0.01082818, 13432.96, -0.2307692, 61.53846, 1372.727, 1e-7, 1.2345679e10},
		"subnormal":   {math.SmallestNonzeroFloat32, math.Float32frombits(0x007fffff), math.Float32frombits(0x00400000), 1.17549435e-38},
		"limits":      {math.MaxFloat32, math.Nextafter32(math.MaxFloat32, 0), 16777216, 16777217},
		"non-finite":  {float32(math.Inf(1)), float32(math.NaN()), 0},
		"small exact": {1, 2, 10, 100, 1000, 0.25, 0.125, 0.1, 0.2, 0.3, 1e6, 1e7, 1234567, 7654321},
	}
}

func TestAppendFloatEdges(t *testing.T) {
	for name, vals := range edgeFloats() {
		t.Run(name, func(t *testing.T) {
			if len(vals) == 0 {
				t.Fatal("no values")
			}
			for _, v := range vals {
				for _, x := range []float32{v, -v} {
					got := string(AppendFloat(nil, float64(x)))
					want := string(appendFloatRef(nil, float64(x)))
					if got != want {
						t.Errorf("bits %#08x (%g): got %q, want %q", math.Float32bits(x), x, got, want)
					}
				}
			}
		})
	}
}

// TestAppendFloatFloat64 feeds float64 values that are not float32 values:
// both paths must round them to float32 first, in the same way.
func TestAppendFloatFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		// Magnitudes 1e-20 .. 1e30, both signs.
		v := math.Pow(10, rng.Float64()*50-20)
		if i%2 == 1 {
			v = -v
		}
		got := string(AppendFloat(nil, v))
		want := string(appendFloatRef(nil, v))
		if got != want {
			t.Fatalf("%v (bits %#016x): got %q, want %q", v, math.Float64bits(v), got, want)
		}
	}
}

// TestAppendFloatAppends checks that the fast path appends to what b
// already holds, keeps to the 16 bytes of spare capacity it may use as
// scratch, and does not allocate.
func TestAppendFloatAppends(t *testing.T) {
	backing := make([]byte, 64)
	for i := range backing {
		backing[i] = 'x'
	}
	copy(backing, "ab,")
	b := AppendFloat(backing[:3], -0.2307692)
	if string(b) != "ab,-0.2307692" {
		t.Fatalf("got %q", b)
	}
	b = append(b, ',')
	b = AppendFloat(b, 145.4545)
	if string(b) != "ab,-0.2307692,145.4545" {
		t.Fatalf("got %q", b)
	}
	// The last call started at len("ab,-0.2307692,") and may use 16 bytes.
	for i := len("ab,-0.2307692,") + 16; i < len(backing); i++ {
		if backing[i] != 'x' {
			t.Fatalf("byte %d, past the scratch area, changed to %q", i, backing[i])
		}
	}
	buf := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() { buf = AppendFloat(buf[:0], 13432.96) })
	if allocs != 0 {
		t.Errorf("AppendFloat allocates %v times", allocs)
	}
	if n, k, ok := decimal7(float64(float32(13432.96))); !ok || n != 1343296 || k != 4 {
		t.Errorf("decimal7(13432.96) = %d, %d, %v; want 1343296, 4, true", n, k, ok)
	}
}

// benchFloats is a mix of the values a flows line carries: averages,
// small inter-arrival times, byte rates, asymmetries and small integers.
var benchFloats = [...]float64{145.4545, 0.01082818, 13432.96, -0.2307692, 2.25, 61.53846, 0.0001523,
	1372.727, 0.5, 7.1486212, 25.16667, 100, -0.787, 0.142857, 45.77126, 1234567}

func BenchmarkAppendFloat(b *testing.B) {
	buf := make([]byte, 0, 64)
	for i := 0; i < b.N; i++ {
		buf = AppendFloat(buf[:0], benchFloats[i%len(benchFloats)])
	}
}

// BenchmarkAppendFloatRef is the same mix through the strconv reference,
// for comparison.
func BenchmarkAppendFloatRef(b *testing.B) {
	buf := make([]byte, 0, 64)
	for i := 0; i < b.N; i++ {
		buf = appendFloatRef(buf[:0], benchFloats[i%len(benchFloats)])
	}
}

// TestDigitWord checks the lane arithmetic for every seven-digit number.
func TestDigitWord(t *testing.T) {
	var want, got []byte
	for n := uint32(1e6); n < 1e7; n++ {
		w := digitWord(n)
		got = binary.LittleEndian.AppendUint64(got[:0], w)
		want = strconv.AppendUint(want[:0], uint64(n), 10)
		if string(got[:7]) != string(want) || got[7] != 0 {
			t.Fatalf("digitWord(%d) = %q, want %q and a zero byte", n, got, want)
		}
	}
}

// TestAppendFloatsMatchesAppendFloat checks the batched writer against
// one AppendFloat per value, over float32 bit patterns and float64 values
// of every magnitude, in batches of every length up to two chunks.
func TestAppendFloatsMatchesAppendFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	vals := []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1e-50, -1e-50, 1e300, 0.5, -2.25, 146.6667, 1e7, 9999999.5}
	for x := uint64(0); x <= math.MaxUint32; x += 65521 {
		vals = append(vals, float64(math.Float32frombits(uint32(x))))
	}
	for range 200_000 {
		vals = append(vals, math.Float64frombits(rng.Uint64()), (rng.Float64()-0.5)*math.Pow(10, float64(rng.IntN(40)-20)))
	}
	var got, want []byte
	for len(vals) > 0 {
		n := min(len(vals), rng.IntN(2*floatBatch+1))
		batch := vals[:n]
		vals = vals[n:]
		got = AppendFloats(append(got[:0], 'p'), '\t', batch)
		want = append(want[:0], 'p')
		for _, v := range batch {
			want = AppendFloat(append(want, '\t'), v)
		}
		if string(got) != string(want) {
			t.Fatalf("AppendFloats(%v) = %q, want %q", batch, got, want)
		}
	}
}
