package export

import (
	"math"
	"net/netip"
	"strconv"
)

const hexDigits = "0123456789abcdef"

// AppendFloat appends v as C's printf("%.7g") of the float32 value T2
// would hold: T2 keeps these columns in float, so the value is rounded to
// float32 first. Like an append that grew b by 16 bytes and then cut back,
// it may overwrite up to 16 bytes of b's spare capacity past the result.
func AppendFloat(b []byte, v float64) []byte {
	f := float64(float32(v))
	if f == 0 && !math.Signbit(f) {
		// Common in flow lines (minIAT, a lone packet's deviations).
		return append(b, '0')
	}
	if n, k, ok := decimal7(math.Abs(f)); ok {
		return appendDigits7(b, n, k, f < 0)
	}
	// Non-finite values, zero, near-ties, near powers of ten and extreme
	// magnitudes: strconv rounds the exact binary value, as C does.
	return appendFloatSlow(b, f)
}

// appendFloatSlow is %.7g of the float32 value f through strconv, with
// C's spellings of the special values. It is also the reference the fast
// path is tested against.
func appendFloatSlow(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "nan"...)
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0"...)
		}
		return append(b, '0')
	}
	return strconv.AppendFloat(b, f, 'g', 7, 64)
}

// AppendIP appends an address in normal notation, or '-' when invalid.
func AppendIP(b []byte, a netip.Addr) []byte {
	if !a.IsValid() {
		return append(b, '-')
	}
	return a.AppendTo(b)
}

// AppendQuoted appends s in double quotes as T2 prints S columns, with
// quotes, backslashes and control characters escaped.
func AppendQuoted(b []byte, s string) []byte {
	// Names rarely need escaping: one scan, then a single copy.
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == 0x7f {
			return appendQuotedSlow(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendQuotedSlow is AppendQuoted one byte at a time; it is also the
// tests' reference.
func appendQuotedSlow(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c == 0x7f:
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
