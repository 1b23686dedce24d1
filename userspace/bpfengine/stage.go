//go:build linux

package bpfengine

import (
	"errors"
	"fmt"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/engine"
	"github.com/flowtap/flowtap/userspace/flowtable"
	"github.com/flowtap/flowtap/userspace/loader"
)

// Options configures the kernel side of one run.
type Options struct {
	// Datapath holds the per-packet knobs, the engine's.
	Datapath datapath.Config
	// Capacity is the engine's flow table size in directions. The flows
	// map gets exactly this size, so the program refuses a new flow
	// exactly when T2 would evict; the fragment table gets it too (a flow
	// holds at most one pending datagram).
	Capacity int
	// LinkType is the capture's link type: the program parses Ethernet
	// only, so for any other it is loaded to punt every packet.
	LinkType uint32
}

// Stage is the engine.Stage of --engine bpf. It is not safe for
// concurrent use: New, Packet and Close run on one goroutine, whose
// thread is pinned to one CPU meanwhile (the per-packet result is a
// per-CPU map).
type Stage struct {
	obj    *loader.Objects
	run    *loader.Replayer
	ring   *ringbuf.Reader
	rec    ringbuf.Record
	cfg    datapath.Config
	link   uint32 // link type the program was loaded for
	c      Counters
	err    error          // first kernel error
	pkt    capture.Packet // the last copy read from the ring
	closed bool
}

var _ engine.Stage = (*Stage)(nil)

// New loads the program for opts and pins the calling goroutine's thread
// to its CPU until Close. The error names what failed (typically missing
// privileges or kernel support).
func New(opts Options) (*Stage, error) {
	capacity := opts.Capacity
	if capacity <= 0 {
		capacity = flowtable.DefaultCapacity
	}
	obj, err := loader.Load(loader.Options{
		Datapath:     opts.Datapath,
		FlowCapacity: uint32(capacity),
		FragCapacity: uint32(capacity),
		Replay:       true,
		NonEthernet:  opts.LinkType != datapath.LinkEthernet,
		OnDemand:     true,
	})
	if err != nil {
		return nil, err
	}
	ring, err := ringbuf.NewReader(obj.Packets)
	if err != nil {
		obj.Close()
		return nil, fmt.Errorf("open ring buffer packets: %w", err)
	}
	// A deadline in the past makes reads non-blocking: a record is read
	// right after the run that wrote it, or is not there.
	ring.SetDeadline(time.Now())
	run, err := obj.NewReplayer()
	if err != nil {
		ring.Close()
		obj.Close()
		return nil, err
	}
	link := uint32(datapath.LinkEthernet)
	if opts.LinkType != datapath.LinkEthernet {
		link = opts.LinkType
	}
	return &Stage{obj: obj, run: run, ring: ring, cfg: opts.Datapath, link: link}, nil
}

// Err returns the first kernel-side error of the run (the program, its
// maps or the ring buffer failed, so the outputs may be inexact), or nil.
func (s *Stage) Err() error { return s.err }

// fail records the first kernel-side error; processing goes on with the
// remaining packets so that the run's outputs stay complete.
func (s *Stage) fail(format string, args ...any) {
	s.c.Errors++
	if s.err == nil {
		s.err = fmt.Errorf("bpf engine: "+format, args...)
	}
}

// Close unpins the thread and releases the kernel objects. Call it from
// the goroutine that called New, after the engine's Finish.
func (s *Stage) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.run.Close()
	rerr := s.ring.Close()
	if err := s.obj.Close(); err != nil {
		return err
	}
	if rerr != nil {
		return fmt.Errorf("close ring buffer packets: %w", rerr)
	}
	return nil
}

// Packet implements engine.Stage: the program runs the packet, or, when
// it cannot or punts it, the Go datapath runs it against the kernel state.
func (s *Stage) Packet(t *flowtable.Table, pkt *capture.Packet, m *datapath.Meta, h uint32, emit flowtable.Emit) engine.Outcome {
	switch {
	case pkt.LinkType != s.link:
		s.c.NotRunLink++
		return s.goPacket(t, pkt, m, h, emit)
	case len(pkt.Data) < minRunLen:
		s.c.NotRunShort++
		return s.goPacket(t, pkt, m, h, emit)
	}
	r, err := s.run.Run(pkt.Data, pkt.OrigLen, uint64(pkt.TsNs))
	if err != nil {
		if len(pkt.Data) > bigFrame {
			// Kernels before 5.18 refuse what exceeds the page BPF_PROG_RUN
			// gives XDP; later ones run it and the program punts it.
			s.c.NotRunBig++
			return s.goPacket(t, pkt, m, h, emit)
		}
		s.fail("packet %d: %v", pkt.Record, err)
		return s.goPacket(t, pkt, m, h, emit)
	}
	s.c.Run++
	if r.Punt != 0 {
		s.c.Punted++
		if gen.FlowtapPuntReason(r.Punt) == gen.FlowtapPuntReasonPUNT_FLOW_FULL {
			s.unreserve(t, m, &r)
		}
		return s.goPacket(t, pkt, m, h, emit)
	}
	s.checkParse(m, &r)
	if r.Flow == 0 {
		return engine.Outcome{}
	}
	return s.mirror(t, pkt, m, &r, emit)
}

const (
	// minRunLen is the shortest input BPF_PROG_RUN takes for XDP: an
	// Ethernet header.
	minRunLen = 14
	// bigFrame is a frame length beyond which a BPF_PROG_RUN refusal
	// means the frame does not fit the page (about 3.5 KiB usable).
	bigFrame = 3000
)

// checkParse compares the kernel's parse of a packet it handled with the
// Go parse the reports use; they must agree.
func (s *Stage) checkParse(m *datapath.Meta, r *loader.Result) {
	same := r.PktStatus == m.Status && r.HdrCnt == m.HdrCnt && r.L4Proto == m.L4Proto &&
		(r.NoFlow == 1) == m.NoFlow && (r.Flow == 1) != m.NoFlow
	if same && r.Flow == 1 && r.ViaFrag == 0 {
		same = r.Key == m.Key
	}
	if !same {
		s.c.ParseMismatch++
	}
}

// unreserve undoes the flowInd the program reserved for a flow it could
// not insert (PUNT_FLOW_FULL): the Go path creates the flow after T2's
// eviction, which may change its pairing. The program took a new flowInd
// unless it found the reverse direction, which the table mirrors.
func (s *Stage) unreserve(t *flowtable.Table, m *datapath.Meta, r *loader.Result) {
	rev := reverseKey(&r.Key, m.L2Flow)
	if rev != r.Key && t.Lookup(&rev) != nil {
		return
	}
	last, err := s.obj.FlowIndLast()
	if err != nil {
		s.fail("%v", err)
		return
	}
	if last != r.FlowInd || last == 0 {
		s.fail("flowInd %d reserved for a refused flow, counter at %d", r.FlowInd, last)
		return
	}
	if err := s.obj.SetFlowIndLast(last - 1); err != nil {
		s.fail("%v", err)
	}
}

// reverseKey swaps the endpoints of k: IPs and ports, and the MACs of an
// L2 flow (bpf/flow.h reverse_key).
func reverseKey(k *flowtable.Key, l2 bool) flowtable.Key {
	r := *k
	r.SrcIp, r.DstIp = k.DstIp, k.SrcIp
	r.SrcPort, r.DstPort = k.DstPort, k.SrcPort
	if l2 {
		r.EthSrc, r.EthDst = k.EthDst, k.EthSrc
	}
	return r
}

// Counters returns the userspace figures so far.
func (s *Stage) Counters() Counters { return s.c }

// ReportLines returns the end-report lines of the run (Lines): call it
// after the engine's Finish, when every flow has left the kernel maps.
func (s *Stage) ReportLines() []string {
	k, err := s.obj.ReadCounters()
	if err != nil {
		s.fail("%v", err)
	}
	flows, frags := countEntries(s.obj.Flows), countEntries(s.obj.Frags)
	return Lines(k, &s.c, flows, frags)
}

// countEntries counts the keys of a map keyed by flow keys (-1 when it
// cannot be read). The maps are empty or small when it runs.
func countEntries(m *ebpf.Map) int {
	var k, next flowtable.Key
	n := 0
	var cur any // nil: the first key
	for {
		err := m.NextKey(cur, &next)
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return n
		}
		if err != nil {
			return -1
		}
		n++
		k = next
		cur = &k
	}
}
