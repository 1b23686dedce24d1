package flowtable_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// recordEnds returns the file offsets at which each record of a capture
// ends, as seen by the capture reader.
func recordEnds(t *testing.T, name string, data []byte) []int64 {
	r, err := capture.NewReader(bytes.NewReader(data), name, int64(len(data)))
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	var ends []int64
	var p capture.Packet
	for r.Next(&p) == nil {
		ends = append(ends, r.BytesRead())
	}
	return ends
}

// runPrefix feeds a capture prefix through Parse, the flow table and
// Update (force mode on, small table so that eviction happens) and checks
// that every flow direction created is written exactly once, A before B
// of the same flowInd. It returns the packets read.
func runPrefix(t *testing.T, name string, prefix []byte) int {
	r, err := capture.NewReader(bytes.NewReader(prefix), name, int64(len(prefix)))
	if err != nil {
		return 0 // cut inside the file header
	}
	h := newHarness(t, 16)
	h.cfg.ForceMode = true
	m := new(datapath.Meta)
	var p capture.Packet
	n := 0
	for {
		err := r.Next(&p)
		if err != nil {
			var re *capture.RecordError
			if !errors.Is(err, io.EOF) && !errors.As(err, &re) {
				t.Fatalf("%s prefix %d: unexpected reader error %v", name, len(prefix), err)
			}
			break
		}
		n++
		if p.CapLen == 0 {
			continue
		}
		datapath.Parse(m, p.Data, p.OrigLen, p.LinkType)
		h.packet(uint64(p.TsNs), m)
	}
	for _, k := range h.toRemove {
		if f := h.tab.Lookup(&k); f != nil {
			h.tab.RemoveNow(f, h.emit)
		}
	}
	h.tab.Flush(h.emit)
	c := h.tab.Counters()
	out := h.take()
	if uint64(len(out)) != c.AFlows+c.BFlows || h.tab.Live() != 0 {
		t.Fatalf("%s prefix %d: wrote %d directions, created %d+%d, live %d", name, len(prefix), len(out), c.AFlows, c.BFlows, h.tab.Live())
	}
	for i, l := range out {
		if l.ind == 0 || l.ind > c.AFlows || (l.dir == 'B' && (i == 0 || out[i-1].dir != 'A' || out[i-1].ind != l.ind)) {
			t.Fatalf("%s prefix %d: line %d is %c%d after %q", name, len(prefix), i, l.dir, l.ind, inds(out[max(0, i-1):i]))
		}
	}
	return n
}

// TestCapturePrefixes cuts every small shared capture at each record
// boundary and at random byte offsets and runs each prefix end to end.
func TestCapturePrefixes(t *testing.T) {
	dir := testenv.SharedDir(t, "pcaps")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	files := 0
	for _, e := range entries {
		name := e.Name()
		info, err := e.Info()
		if err != nil || info.Size() >= 20_000 || !(strings.HasSuffix(name, ".pcap") || strings.HasSuffix(name, ".pcapng")) {
			continue
		}
		files++
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatalf("read %s: %v", name, err)
			}
			ends := recordEnds(t, name, data)
			for i, end := range ends {
				if got := runPrefix(t, name, data[:end]); got != i+1 {
					t.Fatalf("prefix ending at record %d read %d packets", i+1, got)
				}
			}
			rng := rand.New(rand.NewPCG(uint64(len(data)), 7))
			for range 48 {
				runPrefix(t, name, data[:rng.IntN(len(data)+1)])
			}
		})
	}
	if files == 0 {
		t.Fatal("no capture under 20 kB found")
	}
}
