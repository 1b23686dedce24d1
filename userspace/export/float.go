package export

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// Decimal exponents the fast path handles. 10^(6-k) and 10^(k-6) stay
// within 10^22, the largest power of ten a float64 holds exactly, so the
// scaling below is a single correctly rounded operation.
const (
	fastMinExp = -16
	fastMaxExp = 28
)

// powersOfTen holds 10^fastMinExp .. 10^(fastMaxExp+1), correctly rounded,
// for finding the decimal exponent. Negative powers are inexact; a float32
// caught between 10^k and its rounding scales out of [1e6, 1e7) and goes
// to strconv.
var powersOfTen = [...]float64{1e-16, 1e-15, 1e-14, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7,
	1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25,
	1e26, 1e27, 1e28, 1e29}

// pow10 returns 10^j for fastMinExp <= j <= fastMaxExp+1; exact for
// 0 <= j <= 22.
func pow10(j int) float64 { return powersOfTen[j-fastMinExp] }

// tieMargin is how close to .5 the scaled value may come before the exact
// binary value has to decide the rounding. The scaled value is below 1e7
// and off by at most half an ulp there (about 1e-9), so 1e-6 leaves a wide
// margin.
const tieMargin = 1e-6

// decimal7 returns the seven significant digits n (10^6 <= n < 10^7) and
// the decimal exponent k of a, rounded as %.7g rounds, for a float32 value
// a > 0 held in a float64. ok is false for 0, NaN, Inf, magnitudes out
// of about [1e-16, 1e28), values next to a power of ten and, where the
// scaling is inexact, near-ties; the caller then asks strconv.
//
// The decimal exponent comes from the binary one; one exact power of ten
// scales a to seven integer digits. a has 24 significant bits: for
// 1e-6 <= a < 1e7 the product needs at most 24+28 bits and is exact,
// elsewhere the one rounding leaves the scaled value within about 1e-9 of
// the exact one, and only values that close to a tie need the exact binary
// value that strconv (like C) rounds on.
func decimal7(a float64) (n uint32, k int, ok bool) {
	e2 := int(math.Float64bits(a)>>52) - 1023
	// floor(e2*log10(2)); the decimal exponent is this or one more.
	k = (e2 * 78913) >> 18
	if k < fastMinExp || k >= fastMaxExp {
		return 0, 0, false
	}
	if a >= pow10(k+1) {
		k++
	}
	r := scale7(a, k)
	// Out of range only when a sits within rounding error of a power of
	// ten.
	if r < 1e6 || r >= 1e7 {
		return 0, 0, false
	}
	// r < 2^24, so adding 0.5 is exact, and so is the difference
	// (Sterbenz: n <= t < n+1).
	t := r + 0.5
	n = uint32(t)
	switch d := t - float64(n); {
	case d == 0:
		if !exactTie(a, r, k) {
			return 0, 0, false
		}
		// C and strconv round an exact tie to even; n is the upper one.
		n -= n & 1
	case (k < -6 || k > 6) && (d < tieMargin || d > 1-tieMargin):
		return 0, 0, false
	}
	if n == 1e7 {
		n = 1e6
		k++
	}
	return n, k, true
}

// exactTie reports whether a*10^(6-k) is exactly r, which ends in .5.
func exactTie(a, r float64, k int) bool {
	if k <= 6 {
		// 10^(6-k) = 2^(6-k) * 5^(6-k); 5^12 < 2^28, so the product of a
		// (24 bits) stays within 53 bits for k >= -6.
		return k >= -6
	}
	// r*10^(k-6) - a, rounded once: zero only when r*10^(k-6) == a.
	return math.FMA(r, pow10(k-6), -a) == 0
}

// scale7 returns a*10^(6-k), correctly rounded, for k in
// [fastMinExp, fastMaxExp].
func scale7(a float64, k int) float64 {
	if k <= 6 {
		return a * pow10(6-k)
	}
	return a / pow10(k-6)
}

// appendDigits7 formats the seven digits n (10^6 <= n < 10^7) with decimal
// exponent k as %g does.
func appendDigits7(b []byte, n uint32, k int, neg bool) []byte {
	return appendDigitWord(b, digitWord(n), k, neg)
}

// appendDigitWord formats the seven digits in w (as digitWord returns
// them) with decimal exponent k as %g does: exponent form for k < -4 or
// k >= 7, fixed form otherwise, trailing zeros and a bare '.' removed.
//
// The digits travel as one little-endian word, first digit in the low
// byte, so placing the '.' is a mask and a shift and every piece is one
// word store into b's spare capacity (up to 16 bytes, more than the result
// may need); a loop per digit, or building in a local array and copying,
// costs more than the whole scaling step.
func appendDigitWord(b []byte, w uint64, k int, neg bool) []byte {
	l := len(b)
	if cap(b)-l < 16 {
		b = append(b, make([]byte, 16)...)[:l]
	}
	out := b[l : l+16]
	o := 0
	if neg {
		out[0] = '-'
		o = 1
	}
	// Significant digits: one more than the index of the last non-'0' byte.
	nd := (64 - bits.LeadingZeros64(w-0x0030303030303030) + 7) / 8
	switch {
	case k < -4 || k >= 7:
		if nd == 1 {
			out[o] = byte(w)
			o++
		} else {
			binary.LittleEndian.PutUint64(out[o:], withDot(w, 1))
			o += nd + 1
		}
		x, sign := k, uint32('+')
		if x < 0 {
			x, sign = -x, '-'
		}
		// -16 <= k <= 29 here, so always two exponent digits.
		binary.LittleEndian.PutUint32(out[o:], 'e'|sign<<8|uint32('0'+x/10)<<16|uint32('0'+x%10)<<24)
		o += 4
	case k < 0:
		// "0." and up to three zeros, then the digits over the rest.
		binary.LittleEndian.PutUint64(out[o:], 0x3030303030302e30)
		binary.LittleEndian.PutUint64(out[o+1-k:], w)
		o += 1 - k + nd
	default:
		binary.LittleEndian.PutUint64(out[o:], withDot(w, k+1))
		if nd > k+1 {
			o += nd + 1
		} else {
			o += k + 1
		}
	}
	return b[:l+o]
}

// digitWord returns the seven decimal digits of n (10^6 <= n < 10^7) as
// ASCII bytes in a word, most significant digit in the low byte: digits8
// leaves a leading zero digit in the low byte, shifted out here.
func digitWord(n uint32) uint64 {
	return digits8(n) >> 8
}

// withDot inserts '.' after the first i (1..7) digit bytes of w.
func withDot(w uint64, i int) uint64 {
	s := uint(i) * 8
	low := uint64(1)<<s - 1
	return w&low | '.'<<s | (w&^low)<<8
}

// floatBatch is how many values AppendFloats converts before it writes.
const floatBatch = 16

// AppendFloats appends every value of vs as AppendFloat does, each
// preceded by sep. It converts a batch of values before writing any: the
// conversions do not depend on each other, so the CPU overlaps them,
// whereas a chain of AppendFloat calls waits for each one's length.
func AppendFloats(b []byte, sep byte, vs []float64) []byte {
	var words [floatBatch]uint64
	var exps [floatBatch]int
	var fast, neg [floatBatch]bool
	for len(vs) > 0 {
		chunk := vs[:min(len(vs), floatBatch)]
		vs = vs[len(chunk):]
		for i, v := range chunk {
			f := float64(float32(v))
			n, k, ok := decimal7(math.Abs(f))
			words[i], exps[i], fast[i], neg[i] = digitWord(n), k, ok, f < 0
		}
		for i, v := range chunk {
			b = append(b, sep)
			if fast[i] {
				b = appendDigitWord(b, words[i], exps[i], neg[i])
			} else {
				b = AppendFloat(b, v)
			}
		}
	}
	return b
}
