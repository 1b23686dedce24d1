//go:build linux

package ring

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"
)

// Ring is the kernel ring buffer map as a Source.
type Ring struct {
	rd  *ringbuf.Reader
	rec ringbuf.Record
}

// Open returns a Source reading the ring buffer map m.
func Open(m *ebpf.Map) (*Ring, error) {
	rd, err := ringbuf.NewReader(m)
	if err != nil {
		return nil, fmt.Errorf("open ring buffer %s: %w", m, err)
	}
	return &Ring{rd: rd}, nil
}

// ReadInto blocks for the next record; rec.RawSample is reused by the
// next call. After Drain it returns ErrDrained once the ring is empty.
func (r *Ring) ReadInto(rec *Record) error {
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
