package testenv

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// testRecords are written by gopacket's writers and must come back as
// they went in.
func testRecords() []Frame {
	var fs []Frame
	for i, n := range []int{60, 1, 200} {
		d := bytes.Repeat([]byte{byte(i + 1)}, n)
		ts := time.Unix(1_700_000_000+int64(i), int64(i)*1000+7000).UTC()
		fs = append(fs, Frame{Info: gopacket.CaptureInfo{Timestamp: ts, CaptureLength: n, Length: n + i}, Data: d})
	}
	return fs
}

func writePcap(t *testing.T, nano bool) []byte {
	t.Helper()
	var b bytes.Buffer
	w := pcapgo.NewWriter(&b)
	if nano {
		w = pcapgo.NewWriterNanos(&b)
	}
	if err := w.WriteFileHeader(1500, layers.LinkTypeLinuxSLL); err != nil {
		t.Fatal(err)
	}
	for _, f := range testRecords() {
		if err := w.WritePacket(f.Info, f.Data); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

func writePcapng(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := pcapgo.NewNgWriter(&b, layers.LinkTypeRaw)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range testRecords() {
		if err := w.WritePacket(f.Info, f.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestParsePcap(t *testing.T) {
	pcapMicro, pcapNano, ng := writePcap(t, false), writePcap(t, true), writePcapng(t)
	tests := []struct {
		name      string
		data      []byte
		limit     int
		ng, nano  bool
		link      layers.LinkType
		snaplen   uint32
		frames    int
		wantErr   bool
		usecTimes bool // classic microsecond pcap: times cut to the microsecond
	}{
		{"microsecond pcap", pcapMicro, 0, false, false, layers.LinkTypeLinuxSLL, 1500, 3, false, true},
		{"nanosecond pcap", pcapNano, 0, false, true, layers.LinkTypeLinuxSLL, 1500, 3, false, false},
		{"pcapng", ng, 0, true, false, layers.LinkTypeRaw, 0, 3, false, false},
		{"limit", pcapNano, 2, false, true, layers.LinkTypeLinuxSLL, 1500, 2, false, false},
		{"limit above the records", ng, 10, true, false, layers.LinkTypeRaw, 0, 3, false, false},
		{"last record cut", pcapNano[:len(pcapNano)-1], 0, false, true, layers.LinkTypeLinuxSLL, 1500, 2, true, false},
		{"pcapng last block cut", ng[:len(ng)-1], 0, true, false, layers.LinkTypeRaw, 0, 2, true, false},
		{"no file header", []byte("not a capture file at all"), 0, false, false, 0, 0, 0, true, false},
		{"empty", nil, 0, false, false, 0, 0, 0, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParsePcap(tc.data, tc.limit)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParsePcap: %v, want error %v", err, tc.wantErr)
			}
			if c.Ng != tc.ng || c.Nano != tc.nano || c.Link != tc.link || c.Snaplen != tc.snaplen {
				t.Errorf("ng %v nano %v link %v snaplen %d, want %v %v %v %d",
					c.Ng, c.Nano, c.Link, c.Snaplen, tc.ng, tc.nano, tc.link, tc.snaplen)
			}
			if len(c.Frames) != tc.frames {
				t.Fatalf("%d frames, want %d", len(c.Frames), tc.frames)
			}
			for i, want := range testRecords()[:tc.frames] {
				got := c.Frames[i]
				ts := want.Info.Timestamp
				if tc.usecTimes {
					ts = ts.Truncate(time.Microsecond)
				}
				if !got.Info.Timestamp.Equal(ts) || got.Info.CaptureLength != want.Info.CaptureLength ||
					got.Info.Length != want.Info.Length || !bytes.Equal(got.Data, want.Data) {
					t.Errorf("frame %d: %+v, want %+v (data equal %v)", i+1, got.Info, want.Info, bytes.Equal(got.Data, want.Data))
				}
			}
		})
	}
}

// TestParsePcapCopiesData checks that frames do not share memory with each
// other or with the input.
func TestParsePcapCopiesData(t *testing.T) {
	data := writePcap(t, true)
	c, err := ParsePcap(data, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range data {
		data[i] = 0
	}
	for i, want := range testRecords() {
		if !bytes.Equal(c.Frames[i].Data, want.Data) {
			t.Errorf("frame %d changed with the input", i+1)
		}
	}
}

func TestReadPcapFrames(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.pcapng")
	if err := os.WriteFile(p, writePcapng(t), 0o644); err != nil {
		t.Fatal(err)
	}
	c := ReadPcapFrames(t, p)
	if !c.Ng || len(c.Frames) != len(testRecords()) {
		t.Errorf("ng %v with %d frames, want pcapng with %d", c.Ng, len(c.Frames), len(testRecords()))
	}
}
