package ring

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/flowtap/flowtap/userspace/capture"
)

// HeaderLen is the size of struct pkt_record (bpf/types.h) in front of
// the frame bytes of every record.
const HeaderLen = 32

// LinkTypeEthernet is the link type of every live record: the program
// attaches to Ethernet interfaces only.
const LinkTypeEthernet = 1

// Record is the raw sample of one ring record, as cilium/ebpf's
// ringbuf.Record holds it.
type Record struct {
	RawSample []byte
}

// Source is the ring buffer (ringbuf.Reader through an adapter): ReadInto
// blocks for the next record and ends with an error wrapping ErrClosed
// once closed or ErrFlushed once flushed and empty.
type Source interface {
	ReadInto(rec *Record) error
}

// ErrClosed ends Run: the source was closed. It is os.ErrClosed, which
// ringbuf.ErrClosed is too.
var ErrClosed = os.ErrClosed

// ErrDrained ends Run: the source was flushed and every record in it read.
var ErrDrained = errors.New("ring buffer drained")

// Sink receives the decoded packets, on Run's goroutine, one at a time.
// The packet's Data is valid until the call returns.
type Sink interface {
	// Extracted receives a packet pcapd selected in the kernel (reason 0).
	Extracted(pkt *capture.Packet, flowInd uint64) error
	// Punted receives a packet the program left to the Go engine, with
	// its enum punt_reason.
	Punted(pkt *capture.Packet, reason uint32) error
}

// WallClock converts a kernel monotonic time to wall-clock ns.
type WallClock interface {
	Wall(mono uint64) int64
}

// Stats count what Run read.
type Stats struct {
	Records   uint64 // records read
	Extracted uint64 // pcapd records handed to the sink
	Punted    uint64 // punted records handed to the sink
	Bytes     uint64 // frame bytes of those records
	Malformed uint64 // records too short for their header or cap_len
	SinkErrs  uint64 // records the sink refused
}

// Reader decodes records of a Source for a Sink.
type Reader struct {
	src    Source
	clock  WallClock
	sink   Sink
	log    *slog.Logger
	stats  Stats
	record uint64
}

// New returns a reader of src for sink, converting times with clock.
func New(src Source, clock WallClock, sink Sink, log *slog.Logger) *Reader {
	return &Reader{src: src, clock: clock, sink: sink, log: log}
}

// Run reads records until the source is closed or drained (nil) or fails
// (the error). Sink errors are counted and the first is returned after the
// source ends, so the ring is drained whatever a file does. ctx is not
// polled: closing or flushing the source is what stops a blocked read.
func (r *Reader) Run(_ context.Context) error {
	var rec Record
	var sinkErr error
	for {
		err := r.src.ReadInto(&rec)
		if err != nil {
			if errors.Is(err, ErrClosed) || errors.Is(err, ErrDrained) {
				return sinkErr
			}
			return fmt.Errorf("read ring buffer packets: %w", err)
		}
		if err := r.handle(rec.RawSample); err != nil {
			r.stats.SinkErrs++
			if sinkErr == nil {
				sinkErr = err
				r.log.Error("ring record not written", "err", err)
			}
		}
	}
}

// handle decodes one sample and passes it on.
func (r *Reader) handle(b []byte) error {
	r.stats.Records++
	r.record++
	if len(b) < HeaderLen {
		r.malformed(len(b), 0)
		return nil
	}
	capLen := binary.LittleEndian.Uint32(b[16:])
	if uint64(capLen) > uint64(len(b)-HeaderLen) {
		r.malformed(len(b), capLen)
		return nil
	}
	pkt := capture.Packet{
		Data:     b[HeaderLen : HeaderLen+int(capLen)],
		TsNs:     r.clock.Wall(binary.LittleEndian.Uint64(b[0:])),
		CapLen:   capLen,
		OrigLen:  binary.LittleEndian.Uint32(b[20:]),
		LinkType: LinkTypeEthernet,
		Record:   r.record,
	}
	r.stats.Bytes += uint64(capLen)
	if reason := binary.LittleEndian.Uint32(b[24:]); reason != 0 {
		r.stats.Punted++
		return r.sink.Punted(&pkt, reason)
	}
	r.stats.Extracted++
	return r.sink.Extracted(&pkt, binary.LittleEndian.Uint64(b[8:]))
}

func (r *Reader) malformed(n int, capLen uint32) {
	if r.stats.Malformed == 0 {
		r.log.Warn("malformed ring record", "bytes", n, "cap_len", capLen)
	}
	r.stats.Malformed++
}

// Stats returns the counters; call it after Run returned.
func (r *Reader) Stats() Stats { return r.stats }
