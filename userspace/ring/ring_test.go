package ring

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"testing"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/userspace/capture"
)

// encode builds a raw sample the way the program writes it: struct
// pkt_record (bpf2go's twin, so a layout change breaks this test) and
// the frame bytes.
func encode(t *testing.T, h gen.FlowtapPktRecord, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := binary.Write(&b, binary.LittleEndian, &h); err != nil {
		t.Fatal(err)
	}
	return append(b.Bytes(), data...)
}

// fakeSource returns its samples, then end.
type fakeSource struct {
	samples [][]byte
	end     error
}

func (f *fakeSource) ReadInto(rec *Record) error {
	if len(f.samples) == 0 {
		return f.end
	}
	rec.RawSample, f.samples = f.samples[0], f.samples[1:]
	return nil
}

// offsetClock adds a fixed offset.
type offsetClock int64

func (o offsetClock) Wall(mono uint64) int64 { return int64(mono) + int64(o) }

type got struct {
	pkt     capture.Packet
	data    []byte
	flowInd uint64
	reason  uint32
}

// recSink records what it receives; fail makes it refuse packets.
type recSink struct {
	got  []got
	fail error
}

func (s *recSink) Extracted(p *capture.Packet, flowInd uint64) error {
	s.got = append(s.got, got{pkt: *p, data: bytes.Clone(p.Data), flowInd: flowInd})
	return s.fail
}

func (s *recSink) Punted(p *capture.Packet, reason uint32) error {
	s.got = append(s.got, got{pkt: *p, data: bytes.Clone(p.Data), reason: reason})
	return s.fail
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestHeaderLen(t *testing.T) {
	if n := binary.Size(gen.FlowtapPktRecord{}); n != HeaderLen {
		t.Fatalf("struct pkt_record is %d bytes, HeaderLen %d", n, HeaderLen)
	}
}

func TestRun(t *testing.T) {
	frame := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9}
	tests := []struct {
		name    string
		samples func(t *testing.T) [][]byte
		end     error
		fail    error
		want    []got
		stats   Stats
		wantErr bool
	}{
		{
			name: "extracted and punted records, original length kept",
			samples: func(t *testing.T) [][]byte {
				return [][]byte{
					encode(t, gen.FlowtapPktRecord{TsNs: 100, FlowInd: 7, CapLen: 9, OrigLen: 1514}, frame),
					encode(t, gen.FlowtapPktRecord{TsNs: 200, CapLen: 4, OrigLen: 4, Reason: 6}, frame[:4]),
				}
			},
			end: ErrDrained,
			want: []got{
				{pkt: capture.Packet{TsNs: 1100, CapLen: 9, OrigLen: 1514, LinkType: 1, Record: 1}, data: frame, flowInd: 7},
				{pkt: capture.Packet{TsNs: 1200, CapLen: 4, OrigLen: 4, LinkType: 1, Record: 2}, data: frame[:4], reason: 6},
			},
			stats: Stats{Records: 2, Extracted: 1, Punted: 1, Bytes: 13},
		},
		{
			name: "malformed records are counted and skipped",
			samples: func(t *testing.T) [][]byte {
				return [][]byte{
					make([]byte, HeaderLen-1),
					encode(t, gen.FlowtapPktRecord{CapLen: 10, OrigLen: 10}, frame),
					encode(t, gen.FlowtapPktRecord{TsNs: 5, CapLen: 0, OrigLen: 60}, nil),
				}
			},
			end:   ErrClosed,
			want:  []got{{pkt: capture.Packet{TsNs: 1005, CapLen: 0, OrigLen: 60, LinkType: 1, Record: 3}, data: []byte{}}},
			stats: Stats{Records: 3, Extracted: 1, Malformed: 2},
		},
		{
			name: "sink errors do not stop the drain",
			samples: func(t *testing.T) [][]byte {
				return [][]byte{
					encode(t, gen.FlowtapPktRecord{TsNs: 1, CapLen: 1, OrigLen: 1}, frame[:1]),
					encode(t, gen.FlowtapPktRecord{TsNs: 2, CapLen: 1, OrigLen: 1}, frame[:1]),
				}
			},
			end:  ErrDrained,
			fail: errors.New("disk full"),
			want: []got{
				{pkt: capture.Packet{TsNs: 1001, CapLen: 1, OrigLen: 1, LinkType: 1, Record: 1}, data: frame[:1]},
				{pkt: capture.Packet{TsNs: 1002, CapLen: 1, OrigLen: 1, LinkType: 1, Record: 2}, data: frame[:1]},
			},
			stats:   Stats{Records: 2, Extracted: 2, Bytes: 2, SinkErrs: 2},
			wantErr: true,
		},
		{
			name:    "a read error ends the loop with it",
			samples: func(t *testing.T) [][]byte { return nil },
			end:     errors.New("epoll wait: bad file descriptor"),
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &fakeSource{samples: tt.samples(t), end: tt.end}
			sink := &recSink{fail: tt.fail}
			r := New(src, offsetClock(1000), sink, quiet())
			err := r.Run(t.Context())
			if (err != nil) != tt.wantErr {
				t.Fatalf("Run error %v, want error %v", err, tt.wantErr)
			}
			if len(sink.got) != len(tt.want) {
				t.Fatalf("sink got %d packets, want %d", len(sink.got), len(tt.want))
			}
			for i, g := range sink.got {
				w := tt.want[i]
				g.pkt.Data, w.pkt.Data = nil, nil
				if !reflect.DeepEqual(g.pkt, w.pkt) || !bytes.Equal(g.data, w.data) || g.flowInd != w.flowInd || g.reason != w.reason {
					t.Errorf("packet %d: got %+v %x flowInd %d reason %d, want %+v %x flowInd %d reason %d",
						i, g.pkt, g.data, g.flowInd, g.reason, w.pkt, w.data, w.flowInd, w.reason)
				}
			}
			if st := r.Stats(); st != tt.stats {
				t.Errorf("stats %+v, want %+v", st, tt.stats)
			}
		})
	}
}
