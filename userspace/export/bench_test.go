package export

import (
	"net/netip"
	"testing"
)

// The benchmarks format values shaped like one flows-file line's: epoch
// timestamps and short durations, small counts, ports, 16- and 4-digit
// hex, MACs, quoted organisation names.
var (
	benchTS    = []int64{1709294400_008225000, 1709294400_241698000, 233473000, 0, 1555002999_973684000}
	benchUints = []uint64{2812, 1, 3, 41247, 5002, 6, 15, 25, 0, 2200, 4400, 200, 64, 64240, 123456789012}
	benchMACs  = [][6]byte{{2, 0, 0x5e, 0, 0, 1}, {0x26, 0x20, 0x3c, 1, 0xe0, 0x0f}}
	benchOrgs  = []string{"Private network", "TEST-NET-2", "-"}
	benchIPs   = []netip.Addr{netip.MustParseAddr("10.0.0.151"), netip.MustParseAddr("198.51.100.254"), netip.MustParseAddr("2001:db8::1")}
)

func BenchmarkAppendTS(b *testing.B) {
	buf := make([]byte, 0, 256)
	for b.Loop() {
		buf = buf[:0]
		for _, v := range benchTS {
			buf = AppendTS(buf, v)
		}
	}
}

func BenchmarkAppendUint(b *testing.B) {
	buf := make([]byte, 0, 256)
	for b.Loop() {
		buf = buf[:0]
		for _, v := range benchUints {
			buf = AppendUint(buf, v)
		}
	}
}

func BenchmarkAppendHex(b *testing.B) {
	buf := make([]byte, 0, 256)
	for b.Loop() {
		buf = AppendHex(buf[:0], 0x0400000000004001, 16)
		buf = AppendHex(buf, 0x800, 4)
		buf = AppendHex(buf, 0x1, 2)
	}
}

func BenchmarkAppendMAC(b *testing.B) {
	buf := make([]byte, 0, 256)
	for b.Loop() {
		buf = buf[:0]
		for _, m := range benchMACs {
			buf = AppendMAC(buf, m)
		}
	}
}

func BenchmarkAppendQuoted(b *testing.B) {
	buf := make([]byte, 0, 256)
	for b.Loop() {
		buf = buf[:0]
		for _, s := range benchOrgs {
			buf = AppendQuoted(buf, s)
		}
	}
}

func BenchmarkAppendIP(b *testing.B) {
	buf := make([]byte, 0, 256)
	for b.Loop() {
		buf = buf[:0]
		for _, a := range benchIPs {
			buf = AppendIP(buf, a)
		}
	}
}
