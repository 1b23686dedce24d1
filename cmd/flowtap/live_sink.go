//go:build linux

package main

import (
	"sync"

	"github.com/flowtap/flowtap/plugins/pcapd"
	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/engine"
	"github.com/flowtap/flowtap/userspace/flowtable"
)

// liveSink is where the ring reader and the sweeper meet the Go side:
// kernel extractions go to pcapd, punted packets and ended kernel flows
// to the engine. The engine is not safe for concurrent use and pcapd is
// written by both the reader and the engine, so one mutex serialises
// every call.
type liveSink struct {
	mu      sync.Mutex
	eng     *engine.Engine
	pcapd   *pcapd.Plugin
	snaplen uint32
	written uint64 // kernel extractions written to pcapd
	failed  uint64 // kernel extractions pcapd could not write
	err     error  // first pcapd error
}

// Extracted writes a packet the kernel selected, unchanged.
func (s *liveSink) Extracted(pkt *capture.Packet, _ uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.pcapd.WritePacket(pkt, s.snaplen); err != nil {
		s.failed++
		if s.err == nil {
			s.err = err
		}
		return err
	}
	s.written++
	return nil
}

// Punted runs a packet the kernel left to userspace through the Go
// engine, which owns that packet's flow.
func (s *liveSink) Punted(pkt *capture.Packet, _ uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eng.Packet(pkt)
	return nil
}

// Emit writes a pair the sweeper removed from the kernel map.
func (s *liveSink) Emit(a, b *flowtable.Flow) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eng.Emit(a, b)
}

// Expire ends the Go engine's own flows that timed out at wall time now.
func (s *liveSink) Expire(nowNs uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eng.Expire(nowNs)
}

// extractions returns the written and failed counts and the first error.
func (s *liveSink) extractions() (written, failed uint64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.written, s.failed, s.err
}
