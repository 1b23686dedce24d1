//go:build linux

package ring

import (
	"errors"
	"fmt"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"
)

// DefaultBatchDelay is how long the reader lets records accumulate once
// it has emptied the ring.
const DefaultBatchDelay = 250 * time.Microsecond

// Ring is the kernel ring buffer map as a Source.
//
// The program writes records without BPF_RB_NO_WAKEUP, so the kernel
// wakes the reader whenever a record lands in an empty ring (adaptive
// notification). A reader that keeps up empties the ring after every
// record, and each packet then costs a cross-CPU wakeup on the CPU that
// runs XDP, expensive in virtual machines. So once the ring is empty the
// reader waits a batch delay before it blocks again: records accumulate,
// the wakeups they cause find no sleeper, and they are read in batches.
type Ring struct {
	rd    *ringbuf.Reader
	rec   ringbuf.Record
	delay time.Duration
}

// Open returns a Source reading the ring buffer map m, with a batch delay
// (0: none, every record read as soon as it is written).
func Open(m *ebpf.Map, delay time.Duration) (*Ring, error) {
	rd, err := ringbuf.NewReader(m)
	if err != nil {
		return nil, fmt.Errorf("open ring buffer %s: %w", m, err)
	}
	return &Ring{rd: rd, delay: delay}, nil
}

// ReadInto blocks for the next record; rec.RawSample is reused by the
// next call. After Drain it returns ErrDrained once the ring is empty.
func (r *Ring) ReadInto(rec *Record) error {
	if r.delay > 0 && r.rd.AvailableBytes() == 0 {
		time.Sleep(r.delay)
	}
	if err := r.rd.ReadInto(&r.rec); err != nil {
		if errors.Is(err, ringbuf.ErrFlushed) {
			return ErrDrained
		}
		return err
	}
	rec.RawSample = r.rec.RawSample
	return nil
}

// Drain makes a blocked or later read return every record now in the
// ring, then ErrDrained: call it once the program is detached.
func (r *Ring) Drain() error {
	if err := r.rd.Flush(); err != nil {
		return fmt.Errorf("flush ring buffer: %w", err)
	}
	return nil
}

// Close releases the reader and interrupts a blocked read with ErrClosed.
func (r *Ring) Close() error {
	if err := r.rd.Close(); err != nil {
		return fmt.Errorf("close ring buffer: %w", err)
	}
	return nil
}
