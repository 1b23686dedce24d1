package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
)

// pcapRecord appends a little-endian pcap record header and data.
func pcapRecord(out []byte, sec, frac, capLen, origLen uint32, data []byte) []byte {
	le := binary.LittleEndian
	out = le.AppendUint32(out, sec)
	out = le.AppendUint32(out, frac)
	out = le.AppendUint32(out, capLen)
	out = le.AppendUint32(out, origLen)
	return append(out, data...)
}

// pcapHeader returns a little-endian microsecond pcap file header.
func pcapHeader(major uint16, snaplen, linkType uint32) []byte {
	le := binary.LittleEndian
	out := le.AppendUint32(nil, 0xa1b2c3d4)
	out = le.AppendUint16(out, major)
	out = le.AppendUint16(out, 4)
	out = le.AppendUint64(out, 0)
	out = le.AppendUint32(out, snaplen)
	return le.AppendUint32(out, linkType)
}

// TestFaults feeds hand-made broken captures and checks the sentinel, the
// record number, the offset and the packets returned before the fault.
func TestFaults(t *testing.T) {
	pkt := make([]byte, 60)
	good := pcapRecord(pcapHeader(2, 65535, 1), 1, 2, 60, 60, pkt)
	ng := buildPcapng(t, 1)
	ngEPB := len(ng) - (32 + 60) // offset of the one EPB (60-byte frame)
	tests := []struct {
		name    string
		data    []byte
		want    error
		packets int
		record  uint64
		offset  int64
		reason  string
	}{
		{"empty file", nil, ErrTruncated, 0, 0, 0, "truncated file header (want 4 bytes, have 0)"},
		{"short header", good[:10], ErrTruncated, 0, 0, 0, "want 24 bytes, have 10"},
		{"unknown magic", []byte("GIF89a......................"), ErrCorrupt, 0, 0, 0, "unknown file format"},
		{"pcap version 1", pcapHeader(1, 65535, 1), ErrCorrupt, 0, 0, 0, "unsupported pcap version 1.4"},
		{"record header cut", good[:24+16+60+5], ErrTruncated, 1, 2, 100, "truncated record header (want 16 bytes, have 5)"},
		{"data cut", good[:24+16+20], ErrTruncated, 0, 1, 24, "truncated packet data (want 60 bytes, have 20)"},
		{"absurd caplen", pcapRecord(bytes.Clone(good), 1, 2, 262145, 262145, nil), ErrCorrupt, 1, 2, 100, "caplen 262145 larger than maximum 262144"},
		{"pcapng cut in EPB", ng[:ngEPB+40], ErrTruncated, 0, 1, int64(ngEPB), "truncated block (want 92 bytes, have 40)"},
		{"pcapng bad trailer", append(bytes.Clone(ng[:len(ng)-4]), 0, 0, 0, 8), ErrCorrupt, 0, 1, int64(ngEPB), "trailing length 8"},
		{"pcapng bad length", patch32(ng, ngEPB+4, 13), ErrCorrupt, 0, 1, int64(ngEPB), "bad pcapng block length 13"},
		{"pcapng unknown interface", patch32(ng, ngEPB+8, 3), ErrCorrupt, 0, 1, int64(ngEPB), "undescribed interface 3"},
		{"pcapng caplen beyond block", patch32(ng, ngEPB+20, 64), ErrCorrupt, 0, 1, int64(ngEPB), "caplen 64 exceeds its block"},
		{"pcapng version 2", patch16(ng, 12, 2), ErrCorrupt, 0, 0, 0, "unsupported pcapng version 2.0"},
		{"pcapng bad byte order", patch32(ng, 8, 1), ErrCorrupt, 0, 0, 0, "byte-order magic"},
		{"pcapng starts with IDB", ng[28:], ErrCorrupt, 0, 0, 0, "unknown file format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pkts, err := readPrefix(t, tc.data)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want an error wrapping %v", err, tc.want)
			}
			var re *RecordError
			if !errors.As(err, &re) || re.Record != tc.record || re.Offset != tc.offset || re.Name != "cut" {
				t.Fatalf("got %#v, want record %d at offset %d of \"cut\"", err, tc.record, tc.offset)
			}
			if !strings.Contains(err.Error(), tc.reason) || !strings.HasPrefix(err.Error(), "read cut: ") {
				t.Errorf("error %q lacks %q", err, tc.reason)
			}
			if len(pkts) != tc.packets {
				t.Errorf("read %d packets before the fault, want %d", len(pkts), tc.packets)
			}
		})
	}
}

func patch32(b []byte, at int, v uint32) []byte {
	b = bytes.Clone(b)
	binary.BigEndian.PutUint32(b[at:], v)
	return b
}

func patch16(b []byte, at int, v uint16) []byte {
	b = bytes.Clone(b)
	binary.BigEndian.PutUint16(b[at:], v)
	return b
}

// TestSourceError checks that a failing source is reported as its own
// error, not as truncation.
func TestSourceError(t *testing.T) {
	boom := errors.New("disk on fire")
	data := buildPcap(t, 3, false)
	cut := len(data) - 30 // inside the last packet
	r, err := NewReader(&errReader{data: data[:cut], err: boom}, "src", -1)
	if err != nil {
		t.Fatal(err)
	}
	pkts, err := readAll(t, r)
	if !errors.Is(err, boom) || errors.Is(err, ErrTruncated) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("got %v, want only the source's error", err)
	}
	if len(pkts) != 2 || !strings.Contains(err.Error(), "record 3") {
		t.Errorf("read %d packets, error %q; want 2 and record 3", len(pkts), err)
	}
}

// TestSnaplenClamp checks libpcap's handling of a record longer than the
// file's snaplen: the first snaplen bytes are returned, the rest skipped,
// and the next record is read normally. A caplen above the wire length is
// passed through as libpcap does.
func TestSnaplenClamp(t *testing.T) {
	long := make([]byte, 200)
	for i := range long {
		long[i] = byte(i)
	}
	data := pcapRecord(pcapHeader(2, 100, 1), 1, 2, 200, 300, long)
	data = pcapRecord(data, 3, 4, 50, 40, long[:50])
	r, err := NewReader(bytes.NewReader(data), "clamp", int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	pkts, err := readAll(t, r)
	if err != io.EOF || len(pkts) != 2 {
		t.Fatalf("read %d packets, %v; want 2 and EOF", len(pkts), err)
	}
	if p := pkts[0]; p.CapLen != 100 || !bytes.Equal(p.Data, long[:100]) || p.OrigLen != 300 {
		t.Errorf("packet 1: caplen %d len %d, want 100 of 300", p.CapLen, p.OrigLen)
	}
	if p := pkts[1]; p.CapLen != 50 || p.OrigLen != 40 || p.TsNs != 3_000_004_000 || p.Offset != 24+16+200 {
		t.Errorf("packet 2: %+v", p)
	}
}

// TestHeaderFields checks format detection and the header accessors.
func TestHeaderFields(t *testing.T) {
	big := pcapHeader(2, 0, 0x30000000|12) // FCS bits set, DLT_RAW as 12
	tests := []struct {
		name     string
		data     []byte
		format   string
		linkType uint32
		snaplen  uint32
	}{
		{"pcap", buildPcap(t, 1, false), "pcap", 1, 65535},
		{"pcap-ns", buildPcap(t, 1, true), "pcap-ns", 1, 65535},
		{"pcapng", buildPcapng(t, 1), "pcapng", 1, 262144},
		{"masked and folded", big, "pcap", 101, 262144},
		{"pcapng without interfaces", buildPcapng(t, 0)[:28], "pcapng", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tc.data), tc.name, int64(len(tc.data)))
			if err != nil {
				t.Fatal(err)
			}
			if r.Format() != tc.format || r.LinkType() != tc.linkType || r.Snaplen() != tc.snaplen {
				t.Errorf("got %s link %d snaplen %d, want %s %d %d",
					r.Format(), r.LinkType(), r.Snaplen(), tc.format, tc.linkType, tc.snaplen)
			}
			if r.Name() != tc.name || r.Size() != int64(len(tc.data)) {
				t.Errorf("Name %q Size %d", r.Name(), r.Size())
			}
		})
	}
}
