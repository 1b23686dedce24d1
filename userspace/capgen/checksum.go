package capgen

import "encoding/binary"

// csumAdd adds b, read as big-endian 16-bit words, to a one's-complement
// accumulator. It reads 8 bytes at a time and adds the two 32-bit halves:
// 2^16 ≡ 1 (mod 2^16−1), so a 32-bit word sums like its two 16-bit halves,
// and the uint64 accumulator cannot overflow for any frame size.
func csumAdd(acc uint64, b []byte) uint64 {
	for len(b) >= 8 {
		v := binary.BigEndian.Uint64(b)
		acc += v>>32 + v&0xffffffff
		b = b[8:]
	}
	for len(b) >= 2 {
		acc += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint64(b[0]) << 8
	}
	return acc
}

// csumFold folds an accumulator to 16 bits and complements it.
func csumFold(acc uint64) uint16 {
	for acc>>16 != 0 {
		acc = acc&0xffff + acc>>16
	}
	return ^uint16(acc)
}

// ipv4PseudoSum is the accumulator of the IPv4 pseudo-header (RFC 793).
func ipv4PseudoSum(src, dst [4]byte, proto uint8, l4Len int) uint64 {
	return uint64(binary.BigEndian.Uint16(src[0:])) + uint64(binary.BigEndian.Uint16(src[2:])) +
		uint64(binary.BigEndian.Uint16(dst[0:])) + uint64(binary.BigEndian.Uint16(dst[2:])) +
		uint64(proto) + uint64(l4Len)
}
