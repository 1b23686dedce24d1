package export

import (
	"encoding/binary"
	"math/bits"
	"strconv"
)

// The integer, hex and timestamp formatters below build their digits as
// one little-endian word (first character in the low byte) and store
// whole words into b's spare capacity: the flows file has a dozen such
// columns per line, and a loop of one append per digit costs several
// times more. Like AppendFloat they may therefore overwrite some bytes of
// b's spare capacity past the result (up to spareLen).

// spareLen is the room the word stores need past len(b): 18 bytes for
// "0x" and 16 hex digits, rounded up.
const spareLen = 24

// spare returns b with at least spareLen bytes of spare capacity, and
// those bytes (past len(b)) as a slice to store into.
func spare(b []byte) ([]byte, []byte) {
	l := len(b)
	if cap(b)-l < spareLen {
		b = append(b, make([]byte, spareLen)...)[:l]
	}
	return b, b[l : l+spareLen]
}

// digits8 returns the eight decimal digits of n < 10^8, leading zeros
// included, as ASCII in a word, most significant digit in the low byte.
// It splits n into lanes (4+4 digits, then 2-digit and 1-digit lanes) and
// divides every lane at once with multiply-shifts, so no loads and no loop.
func digits8(n uint32) uint64 {
	x := uint64(n/10000) | uint64(n%10000)<<32
	// v/100 == v*10486>>20 for v < 10000; the mask drops the other lane.
	q := x * 10486 >> 20 & 0x0000007f0000007f
	x = x<<16 - q*(100<<16-1)
	// v/10 == v*103>>10 for v < 100.
	q = x * 103 >> 10 & 0x000f000f000f000f
	x = x<<8 - q*(10<<8-1)
	return x | 0x3030303030303030
}

// AppendUint appends v in decimal.
func AppendUint(b []byte, v uint64) []byte {
	// Small enough to inline: many columns are single digits.
	if v < 10 {
		return append(b, byte('0'+v))
	}
	return appendUintWords(b, v)
}

// appendUintWords is AppendUint for v >= 10.
func appendUintWords(b []byte, v uint64) []byte {
	if v >= 1e16 {
		return strconv.AppendUint(b, v, 10)
	}
	if v < 100 {
		return append(b, digitPairs[2*v], digitPairs[2*v+1])
	}
	b, out := spare(b)
	l := len(b)
	if v < 1e8 {
		w := digits8(uint32(v))
		// Leading '0' bytes sit in the low end; v >= 100 leaves at least
		// three digits, so the shift is at most 40.
		z := uint(bits.TrailingZeros64(w-0x3030303030303030)) &^ 7
		binary.LittleEndian.PutUint64(out, w>>z)
		return b[:l+8-int(z/8)]
	}
	hi := uint32(v / 1e8)
	n := 2
	switch {
	case hi < 10:
		out[0], n = byte('0'+hi), 1
	case hi < 100:
		// Epoch seconds have ten digits: a table beats another word.
		out[0], out[1] = digitPairs[2*hi], digitPairs[2*hi+1]
	default:
		w := digits8(hi)
		z := uint(bits.TrailingZeros64(w-0x3030303030303030)) &^ 7
		n = 8 - int(z/8)
		binary.LittleEndian.PutUint64(out, w>>z)
	}
	binary.LittleEndian.PutUint64(out[n:], digits8(uint32(v-uint64(hi)*1e8)))
	return b[:l+n+8]
}

// digitPairs holds "00" to "99".
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// AppendInt appends v in decimal.
func AppendInt(b []byte, v int64) []byte {
	if v < 0 {
		return strconv.AppendInt(b, v, 10)
	}
	return AppendUint(b, uint64(v))
}

// AppendTS appends a capture time or duration in ns as T2's U64.U32:
// seconds, a dot and 9 digits (1555002999.973684000).
func AppendTS(b []byte, ns int64) []byte {
	u := uint64(ns)
	if ns < 0 {
		b = append(b, '-')
		// Two's complement negation also covers math.MinInt64.
		u = -u
	}
	sec := u / 1e9
	frac := uint32(u - sec*1e9)
	b = AppendUint(b, sec)
	b, out := spare(b)
	l := len(b)
	d := frac / 1e8
	out[0], out[1] = '.', byte('0'+d)
	binary.LittleEndian.PutUint64(out[2:], digits8(frac-d*1e8))
	return b[:l+10]
}

// hexWord returns the eight hex digits of v, lower case, as ASCII in a
// word, most significant digit in the low byte.
func hexWord(v uint32) uint64 {
	// Spread the nibbles to one per byte, least significant in the low
	// byte, then turn the word around.
	x := uint64(v)
	x = (x | x<<16) & 0x0000ffff0000ffff
	x = (x | x<<8) & 0x00ff00ff00ff00ff
	x = (x | x<<4) & 0x0f0f0f0f0f0f0f0f
	x = bits.ReverseBytes64(x)
	// 1 in every byte whose nibble is above 9: those skip from '9'+1 to 'a'.
	letters := (x + 0x0606060606060606) >> 4 & 0x0101010101010101
	return x + 0x3030303030303030 + letters*('a'-'9'-1)
}

// AppendHex appends v as 0x followed by exactly digits lower-case hex digits.
func AppendHex(b []byte, v uint64, digits int) []byte {
	if digits < 1 || digits > 16 {
		return appendHexLoop(b, v, digits)
	}
	b, out := spare(b)
	l := len(b)
	out[0], out[1] = '0', 'x'
	if digits > 8 {
		n := digits - 8
		binary.LittleEndian.PutUint64(out[2:], hexWord(uint32(v>>32))>>(uint(8-n)*8))
		binary.LittleEndian.PutUint64(out[2+n:], hexWord(uint32(v)))
	} else {
		binary.LittleEndian.PutUint64(out[2:], hexWord(uint32(v))>>(uint(8-digits)*8))
	}
	return b[:l+2+digits]
}

// appendHexLoop is AppendHex one digit at a time, for widths the word
// version does not cover; it is also the tests' reference.
func appendHexLoop(b []byte, v uint64, digits int) []byte {
	b = append(b, '0', 'x')
	for i := digits - 1; i >= 0; i-- {
		b = append(b, hexDigits[(v>>(uint(i)*4))&0xf])
	}
	return b
}

// AppendMAC appends a MAC address as aa:bb:cc:dd:ee:ff.
func AppendMAC(b []byte, m [6]byte) []byte {
	b, out := spare(b)
	l := len(b)
	// Digits of bytes 0-3 in one word, bytes 4-5 in the low half of another.
	w := hexWord(binary.BigEndian.Uint32(m[:4]))
	x := hexWord(uint32(m[4])<<8|uint32(m[5])) >> 32
	// "c0c1:c2c3:c4c5" then ":c6c7:d0d1:d2" then "d3".
	binary.LittleEndian.PutUint64(out, w&0xffff|':'<<16|w>>16&0xffff<<24|':'<<40|w>>32&0xffff<<48)
	binary.LittleEndian.PutUint64(out[8:], ':'|w>>48<<8|':'<<24|x&0xffff<<32|':'<<48|x>>16&0xff<<56)
	out[16] = byte(x >> 24)
	return b[:l+17]
}
