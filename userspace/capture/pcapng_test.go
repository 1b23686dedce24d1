package capture

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/big"
	"testing"
)

// TestTimestampResolution checks if_tsresol and if_tsoffset conversion
// against arbitrary-precision arithmetic.
func TestTimestampResolution(t *testing.T) {
	maxU := ^uint64(0)
	tests := []struct {
		name   string
		resol  byte
		offset int64 // seconds
		ticks  uint64
	}{
		{"microseconds (default)", 6, 0, 1_500_000},
		{"nanoseconds", 9, 0, 1_422_527_998_578_402_281},
		{"picoseconds floor", 12, 0, 1_999},
		{"seconds", 0, 0, 1_700_000_000},
		{"2^-20", 0x80 | 20, 0, 1<<20 + 1<<19},
		{"2^0", 0x80, 0, 3},
		{"2^-70 of the largest count", 0x80 | 70, 0, maxU},
		{"offset", 6, 100, 5},
		{"negative offset", 6, -100, 5},
		{"10^-40", 40, 0, maxU},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f iface
			f.setResolution(tc.resol)
			f.tsOffsetNs = tc.offset * 1e9
			if got, want := f.ns(tc.ticks), exactNs(tc.resol, tc.offset, tc.ticks); got != want {
				t.Errorf("got %d ns, want %d", got, want)
			}
		})
	}
}

// exactNs is floor(ticks * 1e9 / unit) + offset*1e9, wrapped to 64 bits.
func exactNs(resol byte, offset int64, ticks uint64) int64 {
	unit := new(big.Int)
	if resol&0x80 != 0 {
		unit.Lsh(big.NewInt(1), uint(resol&0x7f))
	} else {
		unit.Exp(big.NewInt(10), big.NewInt(int64(resol)), nil)
	}
	ns := new(big.Int).SetUint64(ticks)
	ns.Mul(ns, big.NewInt(1e9)).Quo(ns, unit)
	ns.Add(ns, big.NewInt(offset*1e9))
	mod := new(big.Int).Lsh(big.NewInt(1), 64)
	ns.Mod(ns, mod)
	return int64(ns.Uint64())
}

// ngBlock encodes a little-endian pcapng block around body.
func ngBlock(typ uint32, body []byte) []byte {
	le := binary.LittleEndian
	padded := (len(body) + 3) &^ 3
	blen := uint32(12 + padded)
	out := le.AppendUint32(nil, typ)
	out = le.AppendUint32(out, blen)
	out = append(out, body...)
	out = append(out, make([]byte, padded-len(body))...)
	return le.AppendUint32(out, blen)
}

func ngSHB() []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, 0x1a2b3c4d)
	b = le.AppendUint16(b, 1)
	b = le.AppendUint16(b, 0)
	return ngBlock(0x0a0d0d0a, le.AppendUint64(b, ^uint64(0)))
}

// ngIDB encodes an interface with an optional if_tsresol and if_tsoffset.
func ngIDB(linkType uint16, snaplen uint32, resol byte, offset int64) []byte {
	le := binary.LittleEndian
	b := le.AppendUint16(nil, linkType)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, snaplen)
	b = le.AppendUint16(b, 2) // if_name "x", an option to skip
	b = le.AppendUint16(b, 1)
	b = append(b, 'x', 0, 0, 0)
	if resol != 6 {
		b = le.AppendUint16(b, 9)
		b = le.AppendUint16(b, 1)
		b = append(b, resol, 0, 0, 0)
	}
	if offset != 0 {
		b = le.AppendUint16(b, 14)
		b = le.AppendUint16(b, 8)
		b = le.AppendUint64(b, uint64(offset))
	}
	return ngBlock(1, le.AppendUint32(b, 0))
}

// ngPacket encodes an EPB (32-bit interface) or OPB (16-bit interface and
// drop count).
func ngPacket(typ uint32, ifIdx uint32, ticks uint64, origLen uint32, data []byte) []byte {
	le := binary.LittleEndian
	var b []byte
	if typ == 6 {
		b = le.AppendUint32(nil, ifIdx)
	} else {
		b = le.AppendUint16(nil, uint16(ifIdx))
		b = le.AppendUint16(b, 0)
	}
	b = le.AppendUint32(b, uint32(ticks>>32))
	b = le.AppendUint32(b, uint32(ticks))
	b = le.AppendUint32(b, uint32(len(data)))
	b = le.AppendUint32(b, origLen)
	return ngBlock(typ, append(b, data...))
}

// TestPcapngSections reads a hand-made little-endian pcapng file with two
// sections, three interfaces, all three packet block kinds, a snaplen
// shorter than a packet and blocks this reader skips.
func TestPcapngSections(t *testing.T) {
	le := binary.LittleEndian
	payload := bytes.Repeat([]byte{0xab}, 100)
	var f []byte
	f = append(f, ngSHB()...)
	f = append(f, ngIDB(1, 0, 9, 0)...)            // if 0: Ethernet, ns
	f = append(f, ngIDB(113, 64, 0x80|10, 10)...)  // if 1: SLL, 2^-10 s, +10 s, snaplen 64
	f = append(f, ngBlock(5, make([]byte, 20))...) // statistics: skipped
	f = append(f, ngPacket(6, 1, 2048, 100, payload)...)
	f = append(f, ngBlock(0x40000bad, []byte("custom"))...) // custom: skipped
	f = append(f, ngPacket(2, 0, 7, 100, payload[:60])...)
	second := len(f)
	f = append(f, ngSHB()...)
	f = append(f, ngIDB(101, 80, 6, 0)...) // if 0 again: raw IP, snaplen 80
	f = append(f, ngBlock(3, append(le.AppendUint32(nil, 100), payload...))...)
	r, err := NewReader(bytes.NewReader(f), "ng", int64(len(f)))
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != 1 || r.Snaplen() != 262144 {
		t.Errorf("first interface: link %d snaplen %d, want 1 and 262144", r.LinkType(), r.Snaplen())
	}
	got, err := readAll(t, r)
	if err != io.EOF || len(got) != 3 {
		t.Fatalf("read %d packets, %v; want 3 and EOF", len(got), err)
	}
	want := []struct {
		iface    int
		linkType uint32
		tsNs     int64
		capLen   uint32
	}{
		{1, 113, 12e9, 64}, // 2048/1024 s + 10 s; 100 bytes cut to snaplen 64
		{0, 1, 7, 60},      // OPB, nanoseconds
		{0, 101, 0, 80},    // SPB: no timestamp; cut to snaplen 80
	}
	for i, w := range want {
		p := got[i]
		if p.Interface != w.iface || p.LinkType != w.linkType || p.TsNs != w.tsNs ||
			p.CapLen != w.capLen || len(p.Data) != int(w.capLen) || p.OrigLen != 100 {
			t.Errorf("packet %d: %+v, want %+v", i+1, p, w)
		}
	}
	if got[2].Offset <= int64(second) {
		t.Errorf("SPB offset %d not in the second section (from %d)", got[2].Offset, second)
	}
}
