package export

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"strconv"
	"testing"
)

// appendTSRef is AppendTS as it was before the word stores: strconv for
// the seconds, one division per fraction digit.
func appendTSRef(b []byte, ns int64) []byte {
	if ns < 0 {
		b = append(b, '-')
		ns = -ns
	}
	b = strconv.AppendInt(b, ns/1e9, 10)
	b = append(b, '.')
	frac := ns % 1e9
	var d [9]byte
	for i := 8; i >= 0; i-- {
		d[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(b, d[:]...)
}

// randomCount returns how many random inputs the tests below draw.
func randomCount() int {
	if testing.Short() {
		return 200_000
	}
	return 3_000_000
}

// randUint64 draws values of every magnitude: a random bit length, then
// random bits below it.
func randUint64(r *rand.Rand) uint64 {
	n := r.UintN(65)
	if n == 0 {
		return 0
	}
	return r.Uint64() >> (64 - n)
}

// edgeUints are powers of ten and their neighbours, the 1e8 and 1e16
// splits, and the extremes.
func edgeUints() []uint64 {
	vs := []uint64{0, 1, math.MaxUint32, math.MaxInt64, math.MaxUint64, math.MaxUint64 - 1}
	for p := uint64(1); ; p *= 10 {
		vs = append(vs, p-1, p, p+1, 2*p-1, 9*p, 9*p+p-1)
		if p > math.MaxUint64/10 {
			break
		}
	}
	return vs
}

// checkSpare formats v into slices of several lengths and spare
// capacities, including none, and checks the prefix survives.
func checkSpare(t *testing.T, name string, want string, f func([]byte) []byte) {
	t.Helper()
	for _, c := range []struct{ l, c int }{{0, 0}, {3, 3}, {5, 9}, {7, 64}} {
		b := make([]byte, c.l, c.c)
		for i := range b {
			b[i] = 'p'
		}
		got := f(b)
		if string(got[c.l:]) != want || string(got[:c.l]) != string(b) {
			t.Fatalf("%s with len %d cap %d: %q, want prefix %q and %q", name, c.l, c.c, got, b, want)
		}
	}
}

func TestAppendUintMatchesStrconv(t *testing.T) {
	var got, want []byte
	check := func(v uint64) {
		got = AppendUint(got[:0], v)
		want = strconv.AppendUint(want[:0], v, 10)
		if string(got) != string(want) {
			t.Fatalf("AppendUint(%d) = %q, want %q", v, got, want)
		}
		if v <= math.MaxInt64 {
			got = AppendInt(got[:0], int64(v))
			if string(got) != string(want) {
				t.Fatalf("AppendInt(%d) = %q, want %q", v, got, want)
			}
			got = AppendInt(got[:0], -int64(v))
			want = strconv.AppendInt(want[:0], -int64(v), 10)
			if string(got) != string(want) {
				t.Fatalf("AppendInt(%d) = %q, want %q", -int64(v), got, want)
			}
		}
	}
	t.Run("exhaustive below 2^21", func(t *testing.T) {
		for v := uint64(0); v < 1<<21; v++ {
			check(v)
		}
	})
	t.Run("edges", func(t *testing.T) {
		for _, v := range edgeUints() {
			check(v)
			checkSpare(t, "AppendUint", strconv.FormatUint(v, 10), func(b []byte) []byte { return AppendUint(b, v) })
		}
		check(1 << 63) // AppendInt's MinInt64 through -int64(v)
		for hi := range uint64(1000) {
			check(hi*1e8 + 12345678)
			check(hi * 1e8)
		}
	})
	t.Run("random", func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for range randomCount() {
			check(randUint64(r))
		}
	})
}

// TestDigits8Exhaustive checks every input of the 8-digit word.
func TestDigits8Exhaustive(t *testing.T) {
	step := uint32(1)
	if testing.Short() {
		step = 97
	}
	for n := uint32(0); n < 1e8; n += step {
		w := digits8(n)
		m := n
		for i := 7; i >= 0; i-- {
			if c := byte(w >> (8 * i)); c != byte('0'+m%10) {
				t.Fatalf("digits8(%d) = %#x: byte %d is %q", n, w, i, c)
			}
			m /= 10
		}
	}
}

func TestAppendTSMatchesReference(t *testing.T) {
	var got, want []byte
	check := func(ns int64) {
		got = AppendTS(got[:0], ns)
		want = appendTSRef(want[:0], ns)
		if string(got) != string(want) {
			t.Fatalf("AppendTS(%d) = %q, want %q", ns, got, want)
		}
	}
	t.Run("edges", func(t *testing.T) {
		for _, v := range edgeUints() {
			if v <= math.MaxInt64 {
				check(int64(v))
				check(-int64(v))
			}
		}
		check(1555002999_973684000)
		check(-math.MaxInt64)
		checkSpare(t, "AppendTS", "1709294400.008225000", func(b []byte) []byte { return AppendTS(b, 1709294400_008225000) })
	})
	t.Run("random", func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for range randomCount() {
			v := int64(randUint64(r) >> 1)
			check(v)
			check(-v)
		}
	})
	// The reference negates math.MinInt64 into itself and prints garbage;
	// the word version prints the magnitude, 2^63 ns.
	if got := string(AppendTS(nil, math.MinInt64)); got != "-9223372036.854775808" {
		t.Errorf("AppendTS(MinInt64) = %q", got)
	}
}

func TestAppendHexMatchesLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	vals := append(edgeUints(), 0xfedcba9876543210, 0x0123456789abcdef, 0xa, 0xaa, 0x99)
	for range 20_000 {
		vals = append(vals, randUint64(r))
	}
	var got, want []byte
	for digits := -1; digits <= 20; digits++ {
		t.Run(fmt.Sprint(digits), func(t *testing.T) {
			for _, v := range vals {
				got = AppendHex(got[:0], v, digits)
				want = appendHexLoop(want[:0], v, digits)
				if string(got) != string(want) {
					t.Fatalf("AppendHex(%#x, %d) = %q, want %q", v, digits, got, want)
				}
				if digits >= 1 && digits <= 16 {
					if f := fmt.Sprintf("0x%0*x", digits, v&(1<<(4*digits)-1)); f != string(got) {
						t.Fatalf("AppendHex(%#x, %d) = %q, fmt %q", v, digits, got, f)
					}
				}
			}
			checkSpare(t, "AppendHex", string(appendHexLoop(nil, 0x0402000000004001, digits)),
				func(b []byte) []byte { return AppendHex(b, 0x0402000000004001, digits) })
		})
	}
}

// TestHexWordAllNibbles checks every nibble value in every position.
func TestHexWordAllNibbles(t *testing.T) {
	for pos := range 8 {
		for d := range uint32(16) {
			v := d<<(4*pos) | 0x12345678&^(0xf<<(4*pos))
			if got, want := string(AppendHex(nil, uint64(v), 8)), fmt.Sprintf("0x%08x", v); got != want {
				t.Fatalf("AppendHex(%#x, 8) = %q, want %q", v, got, want)
			}
		}
	}
}

func TestAppendMACMatchesNet(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	macs := [][6]byte{{}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {0x26, 0x20, 0x3c, 1, 0xe0, 0x0f}}
	for range 200_000 {
		var m [6]byte
		for i := range m {
			m[i] = byte(r.UintN(256))
		}
		macs = append(macs, m)
	}
	var got []byte
	for _, m := range macs {
		got = AppendMAC(got[:0], m)
		if want := net.HardwareAddr(m[:]).String(); string(got) != want {
			t.Fatalf("AppendMAC(%x) = %q, want %q", m, got, want)
		}
	}
	checkSpare(t, "AppendMAC", "02:00:5e:00:00:01", func(b []byte) []byte {
		return AppendMAC(b, [6]byte{2, 0, 0x5e, 0, 0, 1})
	})
}

func TestAppendQuotedMatchesSlow(t *testing.T) {
	tests := []string{"", "Private network", `a"b`, `back\slash`, "tab\there", "del\x7f", "ctl\x01\x1f", "é utf-8 ü", "\"", "\\"}
	for b := range 256 {
		tests = append(tests, "x"+string(rune(b))+"y", string([]byte{byte(b)}))
	}
	for _, s := range tests {
		if got, want := string(AppendQuoted([]byte("p"), s)), string(appendQuotedSlow([]byte("p"), s)); got != want {
			t.Errorf("AppendQuoted(%q) = %q, want %q", s, got, want)
		}
	}
	if got := string(AppendQuoted(nil, `a"\`+"\t")); got != `"a\"\\ "` {
		t.Errorf("escapes: %q", got)
	}
}
