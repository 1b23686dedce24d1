package export

import (
	"math"
	"net/netip"
	"strconv"
)

const hexDigits = "0123456789abcdef"

// AppendTS appends a capture time or duration in ns as T2's U64.U32:
// seconds, a dot and 9 digits (1555002999.973684000).
func AppendTS(b []byte, ns int64) []byte {
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

// AppendHex appends v as 0x followed by exactly digits lower-case hex digits.
func AppendHex(b []byte, v uint64, digits int) []byte {
	b = append(b, '0', 'x')
	for i := digits - 1; i >= 0; i-- {
		b = append(b, hexDigits[(v>>(uint(i)*4))&0xf])
	}
	return b
}

// AppendFloat appends v as C's printf("%.7g") of the float32 value T2
// would hold: T2 keeps these columns in float, so the value is rounded to
// float32 first. Like an append that grew b by 16 bytes and then cut back,
// it may overwrite up to 16 bytes of b's spare capacity past the result.
func AppendFloat(b []byte, v float64) []byte {
	f := float64(float32(v))
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

// AppendUint appends v in decimal.
func AppendUint(b []byte, v uint64) []byte { return strconv.AppendUint(b, v, 10) }

// AppendInt appends v in decimal.
func AppendInt(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }

// AppendMAC appends a MAC address as aa:bb:cc:dd:ee:ff.
func AppendMAC(b []byte, m [6]byte) []byte {
	for i, x := range m {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hexDigits[x>>4], hexDigits[x&0xf])
	}
	return b
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
