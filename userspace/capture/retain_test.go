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

// TestRetainBatches keeps the packets of the last k batches (as a
// pipeline with k batches in flight does) and checks after every
// NextBatch that all of them still hold their bytes. The synthetic
// capture spans many read buffers, so the ring turns over many times;
// the shared ones add pcapng and odd files.
func TestRetainBatches(t *testing.T) {
	synth := writeSynthetic(t, 20000, 0)
	// Records of the largest Ethernet length do not fit the read buffer
	// with their header: the reader grows a buffer of the ring.
	big := writeSynthetic(t, 3000, 262144)
	files := append([]string{synth, big}, testenv.SharedPcaps(t)...)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want := readAllNext(t, raw)
		for _, k := range []int{1, 3, 6, 20} {
			if bad := readRetained(t, raw, k, true, want); bad != 0 {
				t.Fatalf("%s keep %d: %d retained packets changed under RetainBatches", filepath.Base(f), k, bad)
			}
		}
	}
	// The check must be able to fail: without retention the reader moves
	// bytes in place, under the packets of earlier batches (20 batches of
	// about 40 KB span more than the read buffer).
	raw, err := os.ReadFile(synth)
	if err != nil {
		t.Fatal(err)
	}
	if bad := readRetained(t, raw, 20, false, readAllNext(t, raw)); bad == 0 {
		t.Fatal("without RetainBatches no retained packet changed: the check cannot tell")
	}
}

// readRetained reads raw in batches of 50 through 64 KiB reads (unknown
// size, so the full-size read buffer), holds the last k batches, and
// returns how many held packets differed from want at some point.
func readRetained(t *testing.T, raw []byte, k int, retain bool, want [][]byte) int {
	t.Helper()
	rd, err := NewReader(&chunkReader{b: raw, n: 1 << 16}, "x", -1)
	if err != nil {
		t.Fatal(err)
	}
	if retain {
		rd.RetainBatches(k)
	}
	type held struct {
		first int
		ps    []Packet
	}
	var window []held
	bad, next := 0, 0
	for {
		ps := make([]Packet, 50)
		n, err := rd.NextBatch(ps)
		window = append(window, held{first: next, ps: ps[:n]})
		next += n
		if len(window) > k {
			window = window[1:]
		}
		for _, h := range window {
			for i, p := range h.ps {
				if !bytes.Equal(p.Data, want[h.first+i]) {
					bad++
				}
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && next != len(want) {
				t.Fatalf("error %v after %d of %d packets", err, next, len(want))
			}
			break
		}
	}
	if next != len(want) {
		t.Fatalf("read %d packets, want %d", next, len(want))
	}
	return bad
}

// writeSynthetic writes n Ethernet frames of 60 to 1514 bytes whose bytes
// are derived from their index, so that a moved buffer shows; with big >
// 0, every 500th frame has big bytes instead.
func writeSynthetic(t *testing.T, n, big int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "synthetic.pcap")
	w, err := Create(path, 1, uint32(max(65535, big)))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, max(1514, big))
	for i := range n {
		size := 60 + (i*7919)%1455
		if big > 0 && i%500 == 499 {
			size = big
		}
		for j := range size {
			buf[j] = byte(i*31 + j)
		}
		if err := w.WritePacket(int64(i)*1000, uint32(size), uint32(size), buf[:size]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
