//go:build linux

package bpfengine

import (
	"errors"

	"github.com/cilium/ebpf"

	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/engine"
	"github.com/flowtap/flowtap/userspace/flowtable"
)

// goPacket runs a packet the program did not handle through the Go
// datapath against the kernel state, in the engine's order (flowtable
// Resolve, datapath.Update): the fragment table is the kernel's, every
// flow it touches is read from the kernel first and written back after,
// and a new conversation takes its flowInd from the program's counter.
// Offline nothing else runs meanwhile, so the read-modify-writes are safe.
func (s *Stage) goPacket(t *flowtable.Table, pkt *capture.Packet, m *datapath.Meta, h uint32, emit flowtable.Emit) engine.Outcome {
	if m.NoFlow {
		return engine.Outcome{}
	}
	ts := uint64(pkt.TsNs)
	var out engine.Outcome
	var f *flowtable.Flow
	headless, isNew := false, false
	if m.FragLater {
		f = s.lookupFragment(t, m)
		if headless = f == nil; headless {
			out.Global = datapath.StatFrag | datapath.StatFragHdSeqErr
		}
	}
	out.Fragment = f != nil
	if f == nil {
		if f = t.LookupHashed(&m.Key, h); f == nil {
			f, isNew = t.Create(m, ts, &s.cfg, emit), true
			s.newFlowInd(t, f)
		} else {
			t.Touch(f)
			s.readFlow(f)
		}
		if !m.L2Flow {
			out.Fragment = m.FragFirst || headless
			s.trackFragments(t, f, m, headless)
		}
	}
	o := t.Opposite(f)
	var opp *datapath.State
	if o != nil {
		s.readFlow(o)
		opp = &o.State
	}
	out.IATNs = int64(ts - f.State.LastNs)
	out.Result = datapath.Update(&f.State, opp, m, ts, isNew, &s.cfg)
	s.writeFlow(f, isNew)
	if o != nil {
		s.writeFlow(o, false)
	}
	if out.Result.Dump {
		out.Extract = pkt
		s.c.GoExtracted++
	}
	out.Flow = f
	return out
}

// newFlowInd gives a flow the Go path created its flowInd: its opposite's
// (the table paired them), or the program's next one for a new
// conversation.
func (s *Stage) newFlowInd(t *flowtable.Table, f *flowtable.Flow) {
	s.c.GoFlows++
	if t.Opposite(f) != nil {
		return
	}
	last, err := s.obj.FlowIndLast()
	if err != nil {
		s.fail("%v", err)
		return
	}
	f.State.FlowInd = last + 1
	if err := s.obj.SetFlowIndLast(last + 1); err != nil {
		s.fail("%v", err)
	}
}

// lookupFragment is flowtable LookupFragment on the kernel's fragment
// table (bpf/flow.h frag_owner): the flow owning the datagram of a
// non-first fragment, or nil when its first fragment was not seen.
func (s *Stage) lookupFragment(t *flowtable.Table, m *datapath.Meta) *flowtable.Flow {
	fk := flowtable.FragKey(&m.Key, m.FragID)
	var owner flowtable.Key
	if !s.lookupFrag(&fk, &owner) {
		return nil
	}
	f := t.Lookup(&owner)
	if f == nil {
		// The table removes a flow's pending datagram with it, so this
		// does not happen; the program drops such an entry the same way.
		s.c.TableMismatch++
		s.deleteFrag(&fk)
		return nil
	}
	s.readFlow(f)
	m.ViaFragTable = true
	if !m.FragMore {
		s.deleteFrag(&fk)
		f.State.Status &^= datapath.StatFragPending
	}
	return f
}

// trackFragments is flowtable TrackFragments on the kernel's fragment
// table (bpf/flow.h track_frags) for flow f, whose state is current.
func (s *Stage) trackFragments(t *flowtable.Table, f *flowtable.Flow, m *datapath.Meta, headless bool) {
	flowtable.TrackFragmentsIn(&kernelFrags{s: s, t: t}, f, m, headless)
}

// kernelFrags is the XDP program's fragment map as a flowtable.FragIndex;
// its values are the holders' flow keys.
type kernelFrags struct {
	s *Stage
	t *flowtable.Table
}

func (x *kernelFrags) Remove(fk *flowtable.Key) bool {
	var owner flowtable.Key
	found := x.s.lookupFrag(fk, &owner)
	x.s.deleteFrag(fk)
	return found
}

func (x *kernelFrags) Release(fk *flowtable.Key, f *flowtable.Flow) {
	var owner flowtable.Key
	if !x.s.lookupFrag(fk, &owner) {
		return
	}
	if owner == f.Key {
		f.State.Status &^= datapath.StatFragPending
	} else if o := x.t.Lookup(&owner); o != nil {
		x.s.readFlow(o)
		o.State.Status &^= datapath.StatFragPending
		x.s.writeFlow(o, false)
	}
}

func (x *kernelFrags) Put(fk *flowtable.Key, f *flowtable.Flow) {
	if err := x.s.obj.Frags.Put(fk, &f.Key); err != nil {
		x.s.fail("write map frags: %v", err)
	}
}

// lookupFrag reads the owner of fragment-table key fk; false when absent.
func (s *Stage) lookupFrag(fk, owner *flowtable.Key) bool {
	err := s.obj.Frags.Lookup(fk, owner)
	if errors.Is(err, ebpf.ErrKeyNotExist) {
		return false
	}
	if err != nil {
		s.fail("read map frags: %v", err)
		return false
	}
	return true
}

func (s *Stage) deleteFrag(fk *flowtable.Key) {
	if err := s.obj.Frags.Delete(fk); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		s.fail("delete from map frags: %v", err)
	}
}
