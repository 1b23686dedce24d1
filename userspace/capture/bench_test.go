package capture

import (
	"bytes"
	"io"
	"testing"
)

// TestNextDoesNotAllocate checks the read path's promise: no allocation
// per packet once the reader exists.
func TestNextDoesNotAllocate(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"pcap", buildPcap(t, 3000, false)},
		{"pcap-ns", buildPcap(t, 3000, true)},
		{"pcapng", buildPcapng(t, 3000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// An unknown size makes the reader start from its full buffer,
			// which the whole input fits, as it is with files.
			r, err := NewReader(bytes.NewReader(tc.data), tc.name, -1)
			if err != nil {
				t.Fatal(err)
			}
			var p Packet
			var failed error
			allocs := testing.AllocsPerRun(2000, func() {
				if err := r.Next(&p); err != nil {
					failed = err
				}
			})
			if failed != nil {
				t.Fatal(failed)
			}
			if allocs != 0 {
				t.Errorf("Next allocates %.1f times per packet", allocs)
			}
		})
	}
}

// BenchmarkReader reads a generated in-memory pcap of 100k packets; one
// op is one packet, so allocs/op is the per-packet allocation count.
func BenchmarkReader(b *testing.B) {
	for _, format := range []string{"pcap", "pcapng"} {
		b.Run(format, func(b *testing.B) {
			var data []byte
			if format == "pcap" {
				data = buildPcap(b, 100_000, false)
			} else {
				data = buildPcapng(b, 100_000)
			}
			src := bytes.NewReader(data)
			r, err := NewReader(src, "bench", -1)
			if err != nil {
				b.Fatal(err)
			}
			var p Packet
			var bytesRead int64
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				err := r.Next(&p)
				if err == io.EOF {
					// Start over; one reader per 100k packets rounds to
					// 0 allocs/op.
					src.Reset(data)
					if r, err = NewReader(src, "bench", -1); err == nil {
						err = r.Next(&p)
					}
				}
				if err != nil {
					b.Fatal(err)
				}
				bytesRead += int64(p.CapLen)
			}
			b.SetBytes(bytesRead / int64(b.N))
		})
	}
}
