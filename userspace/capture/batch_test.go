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

// TestNextBatchKeepsDataValid reads every shared capture in small and
// large batches through a source that returns few bytes per read (so the
// buffer refills often) and checks that each batch's packets still hold
// the bytes Next returned for them, and that nothing is lost or doubled.
func TestNextBatchKeepsDataValid(t *testing.T) {
	for _, f := range testenv.SharedPcaps(t) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want := readAllNext(t, raw)
		for _, size := range []int{1, 7, 64} {
			rd, err := NewReader(&chunkReader{b: raw, n: 333}, filepath.Base(f), int64(len(raw)))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			ps := make([]Packet, size)
			var got [][]byte
			for {
				n, err := rd.NextBatch(ps)
				for _, p := range ps[:n] {
					got = append(got, append([]byte(nil), p.Data...))
				}
				if err != nil {
					if !errors.Is(err, io.EOF) && len(got) != len(want) {
						t.Fatalf("%s batch %d: error %v after %d of %d packets", f, size, err, len(got), len(want))
					}
					break
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%s batch %d: %d packets, Next read %d", f, size, len(got), len(want))
			}
			for i := range got {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("%s batch %d: packet %d differs", f, size, i+1)
				}
			}
		}
	}
}

func readAllNext(t *testing.T, raw []byte) [][]byte {
	rd, err := NewReader(bytes.NewReader(raw), "x", int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	var p Packet
	for rd.Next(&p) == nil {
		out = append(out, append([]byte(nil), p.Data...))
	}
	return out
}

// chunkReader returns at most n bytes per Read.
type chunkReader struct {
	b []byte
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	k := min(len(p), c.n, len(c.b))
	copy(p, c.b[:k])
	c.b = c.b[k:]
	return k, nil
}
