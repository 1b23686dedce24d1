package capture

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/flowtap/flowtap/userspace/testenv"
)

// TestEveryPrefix cuts small captures at every byte offset. A cut capture
// must never panic and must end in io.EOF (cut at a record boundary) or a
// truncation error, after returning exactly the packets that lie wholly
// before the cut.
func TestEveryPrefix(t *testing.T) {
	dir := testenv.SharedDir(t, "pcaps")
	for _, name := range []string{
		"tcpdump-tcp-handshake-nano.pcap",    // nanosecond pcap
		"ppp-nanosecs_big_endian.pcap",       // big-endian
		"zeek-pcapng-multi-interface.pcapng", // two interfaces, two resolutions
		"gopacket-be_test202.pcapng",         // sections, SPBs, custom blocks
		"sv-defrag-ipv6-tcp.pcap",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			checkPrefixes(t, data)
		})
	}
	t.Run("generated-pcapng", func(t *testing.T) { checkPrefixes(t, buildPcapng(t, 5)) })
}

func checkPrefixes(t *testing.T, data []byte) {
	r, err := NewReader(bytes.NewReader(data), "full", int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	full, err := readAll(t, r)
	if err != io.EOF || len(full) == 0 {
		t.Fatalf("full read: %d packets, %v", len(full), err)
	}
	for cut := range len(data) {
		pkts, err := readPrefix(t, data[:cut])
		if err != io.EOF && !errors.Is(err, ErrTruncated) {
			t.Fatalf("cut %d: got %v, want io.EOF or ErrTruncated", cut, err)
		}
		// Packet i is complete iff the next one starts at or before the
		// cut, or, for the last one, nothing is cut.
		complete := 0
		for complete < len(full)-1 && full[complete+1].Offset <= int64(cut) {
			complete++
		}
		if n := len(pkts); n < complete || n > complete+1 || n > 0 && pkts[n-1].Offset >= int64(cut) {
			t.Fatalf("cut %d: read %d packets, %d complete", cut, n, complete)
		}
		for i := range pkts {
			if !samePacket(&pkts[i], &full[i]) {
				t.Fatalf("cut %d: packet %d differs from the uncut read", cut, i+1)
			}
		}
	}
}

// readPrefix reads a cut capture; an error from NewReader counts as the
// end of the read.
func readPrefix(t *testing.T, data []byte) ([]Packet, error) {
	r, err := NewReader(bytes.NewReader(data), "cut", int64(len(data)))
	if err != nil {
		return nil, err
	}
	return readAll(t, r)
}

func samePacket(a, b *Packet) bool {
	return bytes.Equal(a.Data, b.Data) && a.TsNs == b.TsNs && a.CapLen == b.CapLen &&
		a.OrigLen == b.OrigLen && a.LinkType == b.LinkType && a.Interface == b.Interface &&
		a.Record == b.Record && a.Offset == b.Offset
}
