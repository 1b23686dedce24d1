package pcapd

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// fileHeader decodes the 24-byte pcap file header.
type fileHeader struct {
	magic         uint32
	major, minor  uint16
	snaplen, link uint32
}

func readHeader(t *testing.T, path string) (fileHeader, []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 24 {
		t.Fatalf("%s: %d bytes, shorter than a pcap file header", path, len(b))
	}
	le := binary.LittleEndian
	return fileHeader{
		magic: le.Uint32(b), major: le.Uint16(b[4:]), minor: le.Uint16(b[6:]),
		snaplen: le.Uint32(b[16:]), link: le.Uint32(b[20:]),
	}, b
}

func TestEmptyFile(t *testing.T) {
	tests := []struct {
		name             string
		forceEth         bool
		link, snap       uint32
		wantLink, wantSn uint32
	}{
		{"ethernet", false, 1, 65535, 1, 65535},
		{"sll kept", false, 113, 262144, 113, 262144},
		{"sll forced to ethernet", true, 113, 1500, LinkTypeEthernet, 1500},
		{"snaplen 0 means 262144", false, 1, 0, 1, 262144},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix := filepath.Join(t.TempDir(), "x")
			p := New(prefix, tc.forceEth)
			if p.Path() != prefix+"_pcapd.pcap" {
				t.Errorf("path %q, want %q", p.Path(), prefix+"_pcapd.pcap")
			}
			if err := p.Close(tc.link, tc.snap); err != nil {
				t.Fatal(err)
			}
			h, b := readHeader(t, p.Path())
			// Section 7.5: always created, 24 bytes when nothing was extracted,
			// nanosecond magic a1b23c4d.
			if len(b) != 24 {
				t.Errorf("size %d, want 24", len(b))
			}
			if h.magic != 0xa1b23c4d || h.major != 2 || h.minor != 4 {
				t.Errorf("magic %#x version %d.%d, want 0xa1b23c4d 2.4", h.magic, h.major, h.minor)
			}
			if h.link != tc.wantLink || h.snaplen != tc.wantSn {
				t.Errorf("link %d snaplen %d, want %d %d", h.link, h.snaplen, tc.wantLink, tc.wantSn)
			}
			if got := p.Report(api.Totals{Packets: 91}); got != nil {
				t.Errorf("report %q, want none when nothing was extracted", got)
			}
			if p.Packets() != 0 {
				t.Errorf("Packets() = %d, want 0", p.Packets())
			}
		})
	}
}

func TestWritePackets(t *testing.T) {
	base := time.Date(2019, 4, 11, 17, 16, 39, 743518123, time.UTC)
	pkts := []capture.Packet{
		{Data: bytes.Repeat([]byte{0xaa}, 60), TsNs: base.UnixNano(), CapLen: 60, OrigLen: 60, LinkType: 1},
		// A snapped record: caplen < original length, kept as is.
		{Data: bytes.Repeat([]byte{0xbb}, 80), TsNs: base.UnixNano() + 1_500_000_001, CapLen: 80, OrigLen: 1514, LinkType: 1},
	}
	tests := []struct {
		name     string
		forceEth bool
		link     uint32
		wantLink layers.LinkType
		mismatch uint64
	}{
		{"ethernet input", false, 1, layers.LinkTypeEthernet, 0},
		{"raw input keeps its link type", false, 101, layers.LinkType(101), 0},
		{"raw input forced to ethernet", true, 101, layers.LinkTypeEthernet, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := New(filepath.Join(t.TempDir(), "x"), tc.forceEth)
			for i := range pkts {
				pk := pkts[i]
				pk.LinkType = tc.link
				if err := p.WritePacket(&pk, 65535); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.Close(tc.link, 65535); err != nil {
				t.Fatal(err)
			}
			if p.Packets() != 2 || p.Mismatched() != tc.mismatch {
				t.Errorf("Packets %d Mismatched %d, want 2 %d", p.Packets(), p.Mismatched(), tc.mismatch)
			}
			c := testenv.ReadPcapFrames(t, p.Path())
			if c.Ng || c.Link != tc.wantLink || c.Snaplen != 65535 {
				t.Errorf("pcapng %v link %v snaplen %d, want a classic pcap %v 65535", c.Ng, c.Link, c.Snaplen, tc.wantLink)
			}
			if h, _ := readHeader(t, p.Path()); h.magic != 0xa1b23c4d {
				t.Errorf("magic %#x, want nanosecond 0xa1b23c4d", h.magic)
			}
			if len(c.Frames) != len(pkts) {
				t.Fatalf("%d records, want %d", len(c.Frames), len(pkts))
			}
			for i, want := range pkts {
				ci, data := c.Frames[i].Info, c.Frames[i].Data
				if ci.Timestamp.UnixNano() != want.TsNs {
					t.Errorf("record %d time %d, want %d (nanoseconds kept)", i+1, ci.Timestamp.UnixNano(), want.TsNs)
				}
				if ci.CaptureLength != int(want.CapLen) || ci.Length != int(want.OrigLen) || !bytes.Equal(data, want.Data) {
					t.Errorf("record %d: caplen %d len %d, want %d %d, data equal %v",
						i+1, ci.CaptureLength, ci.Length, want.CapLen, want.OrigLen, bytes.Equal(data, want.Data))
				}
			}
		})
	}
}

func TestMismatchedLinkType(t *testing.T) {
	p := New(filepath.Join(t.TempDir(), "x"), false)
	for _, lt := range []uint32{1, 113, 1} {
		pk := capture.Packet{Data: make([]byte, 20), CapLen: 20, OrigLen: 20, LinkType: lt}
		if err := p.WritePacket(&pk, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(1, 0); err != nil {
		t.Fatal(err)
	}
	if p.Mismatched() != 1 {
		t.Errorf("Mismatched = %d, want 1 (the SLL packet in an Ethernet file)", p.Mismatched())
	}
	if h, _ := readHeader(t, p.Path()); h.link != 1 {
		t.Errorf("file link type %d, want 1 (the first packet's)", h.link)
	}
}

func TestReport(t *testing.T) {
	p := New(filepath.Join(t.TempDir(), "x"), true)
	for i := 0; i < 2; i++ {
		pk := capture.Packet{Data: make([]byte, 60), CapLen: 60, OrigLen: 60, LinkType: 1}
		if err := p.WritePacket(&pk, 65535); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(1, 65535); err != nil {
		t.Fatal(err)
	}
	// bgp-4byte-asn: 2 of 91 packets.
	got := p.Report(api.Totals{Packets: 91})
	want := []string{"pcapd: number of packets extracted: 2 [2.20%]"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("report %q, want %q", got, want)
	}
	if cols := p.Columns(); len(cols) != 0 {
		t.Errorf("pcapd adds no column, got %v", cols)
	}
	if b := p.AppendColumns([]byte("x"), nil); string(b) != "x" {
		t.Errorf("AppendColumns changed the line: %q", b)
	}
}

func TestCreateError(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// A prefix under a regular file cannot be created, even as root.
	p := New(filepath.Join(file, "x"), false)
	err := p.Close(1, 0)
	if err == nil || !strings.Contains(err.Error(), "pcapd") || !strings.Contains(err.Error(), p.Path()) {
		t.Errorf("error %v, want one naming pcapd and %s", err, p.Path())
	}
	pk := capture.Packet{Data: make([]byte, 20), CapLen: 20, OrigLen: 20, LinkType: 1}
	if err := New(filepath.Join(file, "y"), false).WritePacket(&pk, 0); err == nil {
		t.Error("WritePacket under a regular file: no error")
	}
}
