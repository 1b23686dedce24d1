//go:build !linux

package bpfengine

import (
	"errors"

	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/engine"
	"github.com/flowtap/flowtap/userspace/flowtable"
)

// Options configures the kernel side of one run (Linux only).
type Options struct {
	Datapath datapath.Config // the per-packet knobs
	Capacity int             // the engine's flow table size in directions
	LinkType uint32          // the capture's link type
}

// Stage exists on Linux only; New always fails elsewhere.
type Stage struct{}

// New fails: XDP and BPF_PROG_RUN are Linux features.
func New(Options) (*Stage, error) {
	return nil, errors.New("the bpf engine needs Linux (XDP and BPF_PROG_RUN)")
}

// Err returns nil.
func (s *Stage) Err() error { return nil }

// Close does nothing.
func (s *Stage) Close() error { return nil }

// Counters returns zeros.
func (s *Stage) Counters() Counters { return Counters{} }

// ReportLines returns nothing.
func (s *Stage) ReportLines() []string { return nil }

// Packet is never called: New fails.
func (s *Stage) Packet(*flowtable.Table, *capture.Packet, *datapath.Meta, uint32, flowtable.Emit) engine.Outcome {
	return engine.Outcome{}
}

// Ending is never called: New fails.
func (s *Stage) Ending(_, _ *flowtable.Flow) {}
