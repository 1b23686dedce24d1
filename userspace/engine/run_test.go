package engine

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/flowtap/flowtap/userspace/capture"
)

// sliceReader hands out packets in batches of varying size, then err.
type sliceReader struct {
	ps   []capture.Packet
	step int
	err  error
}

func (r *sliceReader) NextBatch(dst []capture.Packet) (int, error) {
	r.step = r.step%7 + 1
	n := min(len(dst), r.step, len(r.ps))
	copy(dst, r.ps[:n])
	r.ps = r.ps[n:]
	if len(r.ps) == 0 {
		return n, r.err
	}
	return n, nil
}

// runPackets builds a capture of a TCP connection and UDP chatter that
// spans many batches, with expiry and alarms along the way.
func runPackets(t *testing.T) []capture.Packet {
	var ps []capture.Packet
	c := newConn(t)
	add := func(at int64, b []byte) {
		ps = append(ps, capture.Packet{Data: b, TsNs: t0 + at, CapLen: uint32(len(b)), OrigLen: uint32(len(b)), LinkType: 1})
	}
	add(0, c.c("S", 1000, 0))
	add(ms, c.s("SA", 1000, 0))
	for i := int64(0); i < 70; i++ {
		add(2*ms+i*ms, udpPkt(t, "10.0.0.5", uint16(40000+i%7), "10.0.0.6", 53, int(i)))
		if i%9 == 0 {
			add(2*ms+i*ms+ms/2, c.c("A", uint16(i%2)*1000, 0))
		}
	}
	add(200*sec, c.s("RA", 0, 0)) // everything before has timed out
	add(200*sec+200*ms, udpPkt(t, "10.0.0.5", 40000, "10.0.0.6", 53, 1))
	return ps
}

// TestRunEqualsPacket checks that Run (read-ahead pipeline) gives the same
// flow lines and extraction as Packet per packet, and that it returns the
// input error after processing the packets before it.
func TestRunEqualsPacket(t *testing.T) {
	ps := runPackets(t)
	one := newRig(t, false, withPDOpp)
	for i := range ps {
		one.eng.Packet(&ps[i])
	}
	a := one.finish()
	tests := []struct {
		name string
		err  error
	}{
		{"clean end", io.EOF},
		{"input fault", errors.New("record 99 at offset 1234: truncated")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, false, withPDOpp)
			err := r.eng.Run(context.Background(), &sliceReader{ps: slices.Clone(ps), err: tc.err})
			if tc.err == io.EOF && err != nil || tc.err != io.EOF && err != tc.err {
				t.Errorf("Run returned %v, want %v", err, map[bool]error{true: nil, false: tc.err}[tc.err == io.EOF])
			}
			b := r.finish()
			if len(a) < 10 || len(a) != len(b) {
				t.Fatalf("%d lines per packet, %d with Run", len(a), len(b))
			}
			for i := range a {
				if strings.Join(a[i], "\t") != strings.Join(b[i], "\t") {
					t.Errorf("line %d differs:\n packet %q\n run    %q", i+1, a[i], b[i])
				}
			}
			if ea, eb := one.extracted(), r.extracted(); !slices.Equal(ea, eb) || len(ea) == 0 {
				t.Errorf("extracted %v per packet, %v with Run", ea, eb)
			}
			if st := r.eng.Stats(); st.Packets != uint64(len(ps)) {
				t.Errorf("processed %d packets, want %d", st.Packets, len(ps))
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		r := newRig(t, false)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := r.eng.Run(ctx, &sliceReader{ps: slices.Clone(ps), err: io.EOF}); err != nil {
			t.Errorf("Run after cancel: %v, want nil", err)
		}
		r.finish()
		if st := r.eng.Stats(); st.Packets >= uint64(len(ps)) {
			t.Errorf("processed %d of %d packets after cancellation", st.Packets, len(ps))
		}
	})
}
