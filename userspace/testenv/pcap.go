package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Frame is one capture record as gopacket's readers return it.
type Frame struct {
	Info gopacket.CaptureInfo
	Data []byte
}

// Capture is a capture file as gopacket's pcapgo readers see it: an
// independent reading, so tests do not check flowtap's reader with itself.
type Capture struct {
	Ng      bool            // pcapng; otherwise classic pcap
	Link    layers.LinkType // for pcapng, the first interface's
	Snaplen uint32          // classic pcap only; 0 for pcapng (per interface)
	Nano    bool            // classic pcap with nanosecond timestamps
	Frames  []Frame
}

// pcapngMagic starts a pcapng section header block in either byte order.
var pcapngMagic = []byte{0x0a, 0x0d, 0x0d, 0x0a}

// ParsePcap reads up to limit records (all when limit <= 0) of a pcap or
// pcapng image, told apart by the pcapng magic. A damaged record ends the
// reading: the records before it are returned with an error naming it.
func ParsePcap(data []byte, limit int) (Capture, error) {
	var c Capture
	var src gopacket.PacketDataSource
	if bytes.HasPrefix(data, pcapngMagic) {
		r, err := pcapgo.NewNgReader(bytes.NewReader(data), pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return c, fmt.Errorf("open pcapng: %w", err)
		}
		src, c.Ng, c.Link = r, true, r.LinkType()
	} else {
		r, err := pcapgo.NewReader(bytes.NewReader(data))
		if err != nil {
			return c, fmt.Errorf("open pcap: %w", err)
		}
		src, c.Link, c.Snaplen = r, r.LinkType(), r.Snaplen()
		c.Nano = r.Resolution() == gopacket.TimestampResolutionNanosecond
	}
	for limit <= 0 || len(c.Frames) < limit {
		d, ci, err := src.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return c, fmt.Errorf("record %d: %w", len(c.Frames)+1, err)
		}
		// The data is copied: a reader may reuse its buffer.
		c.Frames = append(c.Frames, Frame{Info: ci, Data: bytes.Clone(d)})
	}
	return c, nil
}

// ReadPcapFrames reads every record of a pcap or pcapng file with
// ParsePcap; any error before a clean end of file fails the test.
func ReadPcapFrames(t testing.TB, path string) Capture {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	c, err := ParsePcap(data, 0)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return c
}
