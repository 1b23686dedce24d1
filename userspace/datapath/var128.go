package datapath

import (
	"math"
	"math/bits"
)

// u128 is an unsigned 128-bit accumulator stored as two words of the
// shared state (BPF has neither floats nor 128-bit integers, so the C
// twin implements the same operations on two __u64).
type u128 struct{ hi, lo uint64 }

func (a u128) less(b u128) bool { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo) }

func (a u128) sub(b u128) u128 {
	lo, borrow := bits.Sub64(a.lo, b.lo, 0)
	hi, _ := bits.Sub64(a.hi, b.hi, borrow)
	return u128{hi, lo}
}

func (a u128) add(b u128) u128 {
	lo, carry := bits.Add64(a.lo, b.lo, 0)
	hi, _ := bits.Add64(a.hi, b.hi, carry)
	return u128{hi, lo}
}

// div divides by n > 0, truncating.
func (a u128) div(n uint64) u128 {
	if a.hi < n {
		// The usual case (the quotient fits 64 bits): one division.
		q, _ := bits.Div64(a.hi, a.lo, n)
		return u128{0, q}
	}
	qhi := a.hi / n
	r := a.hi % n
	qlo, _ := bits.Div64(r, a.lo, n)
	return u128{qhi, qlo}
}

func (a u128) float() float64 { return float64(a.hi)*0x1p64 + float64(a.lo) }

// runningVar applies T2's recurrence var += (m*m - var)/n to the 128-bit
// accumulator (hi, lo), where mAbs is |m| in the accumulator's fixed point.
// T2 computes it in float32 (t2-semantics.md section 7.2); flowtap keeps the
// exact integer version, so the printed values can differ in the last digits.
func runningVar(hi, lo *uint64, mAbs uint64, n uint64) {
	sqHi, sqLo := bits.Mul64(mAbs, mAbs)
	sq := u128{sqHi, sqLo}
	v := u128{*hi, *lo}
	if v.less(sq) {
		v = v.add(sq.sub(v).div(n))
	} else {
		v = v.sub(v.sub(sq).div(n))
	}
	*hi, *lo = v.hi, v.lo
}

// meanFx returns sum/cnt in fixed point with shift fractional bits,
// without overflowing for any realistic sum (sum << shift may not fit).
func meanFx(sum, cnt uint64, shift uint) uint64 {
	if cnt == 0 {
		return 0
	}
	// sum << shift as 128 bits divided once equals q<<shift +
	// (r<<shift)/cnt (q = sum/cnt, r = sum%cnt) when neither overflows
	// 64 bits: the high word is below cnt (the quotient fits) and cnt is
	// at most 2^(64-shift) (r << shift fits). It is one division instead
	// of two.
	if hi := sum >> (64 - shift); hi < cnt && cnt <= 1<<(64-shift) {
		q, _ := bits.Div64(hi, sum<<shift, cnt)
		return q
	}
	q, r := sum/cnt, sum%cnt
	return q<<shift + (r<<shift)/cnt
}

// absDiff returns |a - b| and whether a < b.
func absDiff(a, b uint64) (uint64, bool) {
	if a < b {
		return b - a, true
	}
	return a - b, false
}

// Fixed-point shifts of the running estimators.
const (
	sizeShift = 24 // sizes: m in bytes << 24, var in bytes^2 << 48
	iatShift  = 8  // IATs: m in ns << 8, var in ns^2 << 16
)

// SizeStd returns the T2 stdL7PktSz of a flow direction.
func SizeStd(hi, lo uint64) float64 {
	return math.Sqrt(u128{hi, lo}.float() / 0x1p48)
}

// IATStd returns the T2 stdIAT of a flow direction, in seconds.
func IATStd(hi, lo uint64) float64 {
	return math.Sqrt(u128{hi, lo}.float()/0x1p16) / 1e9
}
