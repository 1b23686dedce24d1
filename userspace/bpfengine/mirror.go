//go:build linux

package bpfengine

import (
	"encoding/binary"
	"errors"
	"os"

	"github.com/cilium/ebpf"

	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/engine"
	"github.com/flowtap/flowtap/userspace/flowtable"
	"github.com/flowtap/flowtap/userspace/loader"
)

// mirror applies to the table what the program did with a packet it
// handled: a creation (the program refused it when the table was full, so
// creating cannot evict here), or T2's LRU refresh; then it reads back the
// state of the flow and of its opposite, which tcpStates and pcapd may
// have changed too.
func (s *Stage) mirror(t *flowtable.Table, pkt *capture.Packet, m *datapath.Meta, r *loader.Result, emit flowtable.Emit) engine.Outcome {
	ts := uint64(pkt.TsNs)
	var f *flowtable.Flow
	if r.Created == 1 {
		mc := m
		if m.Key != r.Key {
			c := *m
			c.Key = r.Key
			mc = &c
		}
		f = t.Create(mc, ts, &s.cfg, emit)
		s.c.KernelFlows++
	} else {
		if f = t.Lookup(&r.Key); f == nil {
			s.fail("packet %d: the program updated flow %d, which the table does not hold", pkt.Record, r.FlowInd)
			return engine.Outcome{}
		}
		if r.ViaFrag == 0 {
			t.Touch(f)
		}
	}
	prev := f.State.LastNs
	s.readFlow(f)
	if f.State.FlowInd != r.FlowInd {
		s.c.TableMismatch++
	}
	o := t.Opposite(f)
	if (o != nil) != (r.Opp == 1) {
		s.c.TableMismatch++
	}
	if o != nil {
		s.readFlow(o)
	}
	out := engine.Outcome{
		Flow:     f,
		IATNs:    int64(ts - prev),
		Fragment: r.ViaFrag == 1 || !m.L2Flow && (m.FragFirst || r.Headless == 1),
		Result: datapath.Result{
			Dump: r.Dump == 1, Remove: r.Remove == 1, LowWin: r.LowWin == 1, TCPCount: r.TcpCount == 1,
		},
	}
	if r.Headless == 1 {
		out.Global = datapath.StatFrag | datapath.StatFragHdSeqErr
	}
	if r.Dump == 1 && r.Copied == 1 {
		out.Extract = s.readCopy(pkt, r)
	}
	return out
}

// readFlow replaces f's state with the kernel's.
func (s *Stage) readFlow(f *flowtable.Flow) {
	if err := s.obj.Flows.Lookup(&f.Key, &f.State); err != nil {
		s.fail("read flow %d from map flows: %v", f.State.FlowInd, err)
	}
}

// writeFlow stores f's state in the kernel; create inserts a new key.
func (s *Stage) writeFlow(f *flowtable.Flow, create bool) {
	flag := ebpf.UpdateExist
	if create {
		flag = ebpf.UpdateNoExist
	}
	if err := s.obj.Flows.Update(&f.Key, &f.State, flag); err != nil {
		s.fail("write flow %d to map flows: %v", f.State.FlowInd, err)
	}
}

// recordHdr is the size of struct pkt_record (bpf/types.h).
const recordHdr = 32

// readCopy reads the copy the program just wrote to the ring buffer for
// pkt. The record carries the capture time and lengths the program was
// given; the link type is the one the program was loaded for.
func (s *Stage) readCopy(pkt *capture.Packet, r *loader.Result) *capture.Packet {
	if err := s.ring.ReadInto(&s.rec); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = errors.New("no record")
		}
		s.fail("packet %d: read its copy from ring buffer packets: %v", pkt.Record, err)
		return nil
	}
	b := s.rec.RawSample
	le := binary.LittleEndian
	if len(b) < recordHdr || len(b)-recordHdr < int(le.Uint32(b[16:])) {
		s.fail("packet %d: ring record of %d bytes", pkt.Record, len(b))
		return nil
	}
	tsNs, flowInd, capLen, origLen, reason := le.Uint64(b), le.Uint64(b[8:]), le.Uint32(b[16:]), le.Uint32(b[20:]), le.Uint32(b[24:])
	if flowInd != r.FlowInd || int64(tsNs) != pkt.TsNs || reason != 0 {
		s.c.RingMismatch++
	}
	s.c.RingWritten++
	s.pkt = capture.Packet{
		Data: b[recordHdr : recordHdr+capLen], TsNs: int64(tsNs), CapLen: capLen, OrigLen: origLen,
		LinkType: s.link, Interface: pkt.Interface, Record: pkt.Record, Offset: pkt.Offset,
	}
	return &s.pkt
}

// Ending implements engine.Stage: it takes each ended direction's final
// state out of the kernel (lookup and delete, so nothing is left behind)
// with its pending fragment entry. The table's own mark for an eviction
// (RMFLOW_HFULL), set before the pair is written, is kept.
func (s *Stage) Ending(a, b *flowtable.Flow) {
	for _, f := range [2]*flowtable.Flow{a, b} {
		if f == nil {
			continue
		}
		keep := f.State.Status & datapath.StatRmFlowHFull
		if err := s.obj.Flows.LookupAndDelete(&f.Key, &f.State); err != nil {
			s.fail("take ended flow %d out of map flows: %v", f.State.FlowInd, err)
			continue
		}
		f.State.Status |= keep
		s.c.Ended++
		if f.State.Status&datapath.StatFragPending != 0 {
			fk := flowtable.FragKey(&f.Key, f.State.FragId)
			if err := s.obj.Frags.Delete(&fk); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
				s.fail("delete pending datagram of flow %d from map frags: %v", f.State.FlowInd, err)
			}
		}
	}
}
