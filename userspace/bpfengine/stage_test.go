//go:build linux

package bpfengine

import (
	"fmt"
	"testing"

	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/engine"
	"github.com/flowtap/flowtap/userspace/flowtable"
)

// Each scenario sends a flow's packets through different paths of the
// bpf engine: the program (plain Ethernet), the Go datapath after a punt
// (MPLS) and the Go datapath without a run (raw IP records, another link
// type), and checks that the outputs are the Go engine's.

// TestFragmentsAcrossPaths splits datagrams over the three paths: the
// fragment table the program keeps must serve the Go path and back.
func TestFragmentsAcrossPaths(t *testing.T) {
	orders := [][3]encap{
		{plain, mpls, plain}, {mpls, plain, raw}, {raw, raw, plain}, {plain, raw, mpls}, {mpls, mpls, mpls},
	}
	for _, o := range orders {
		t.Run(fmt.Sprintf("%v-%v-%v", o[0], o[1], o[2]), func(t *testing.T) {
			c := &capBuilder{t: t}
			a, b := "10.0.0.1", "10.0.0.2"
			c.udpFrag(0, o[0], a, 1000, b, 2000, frag{id: 100, more: true}, 64)
			c.udp(ms/2, plain, "10.0.0.3", 1, "10.0.0.4", 2, 10)
			// Later fragments found through the fragment table leave the
			// flow's LRU place alone: at the end the flow is flushed first.
			c.udpFrag(ms, o[1], a, 1000, b, 2000, frag{id: 100, offset: 9, more: true}, 64)
			c.udpFrag(2*ms, o[2], a, 1000, b, 2000, frag{id: 100, offset: 17}, 20)
			c.udp(2*ms+ms/2, plain, "10.0.0.5", 1, "10.0.0.6", 2, 10)
			// A datagram whose first fragment never comes (headless), and a
			// packet of a pending flow that is no fragment (FRAG_ERR).
			c.udpFrag(4*ms, o[0], a, 1000, b, 2000, frag{id: 101, offset: 9, more: true}, 64)
			c.udpFrag(5*ms, o[2], a, 1001, b, 2000, frag{id: 102, more: true}, 64)
			c.udp(6*ms, o[1], a, 1001, b, 2000, 10)
			c.udp(7*ms, o[1], b, 2000, a, 1000, 10)
			b2 := compareEngines(t, t2Config(1024), linkEth, c.pkts)
			checkPaths(t, b2.counters, append(o[:], plain))
		})
	}
}

// checkPaths checks that the packets took the paths the scenario meant.
func checkPaths(t *testing.T, c Counters, used []encap) {
	t.Helper()
	want := map[encap]bool{}
	for _, e := range used {
		want[e] = true
	}
	if want[plain] != (c.Run > c.Punted) || want[mpls] != (c.Punted > 0) || want[raw] != (c.NotRunLink > 0) {
		t.Errorf("paths: %d run, %d punted, %d not run (link type); the scenario uses %v", c.Run, c.Punted, c.NotRunLink, used)
	}
}

// TestDatagramTakenOver gives two flows of the same hosts the same
// fragment ID: the second takes the datagram and the first loses its
// pending state, whichever path sees either; then both time out with T2's
// pending-fragment accounting.
func TestDatagramTakenOver(t *testing.T) {
	for _, o := range [][2]encap{{plain, mpls}, {mpls, plain}, {raw, plain}, {plain, plain}} {
		t.Run(fmt.Sprintf("%v-%v", o[0], o[1]), func(t *testing.T) {
			c := &capBuilder{t: t}
			a, b := "10.0.0.1", "10.0.0.2"
			c.udpFrag(0, o[0], a, 1000, b, 2000, frag{id: 7, more: true}, 64)
			c.udpFrag(ms, o[1], a, 1001, b, 2000, frag{id: 7, more: true}, 64)
			c.udpFrag(2*ms, o[0], a, 1000, b, 2000, frag{id: 7, offset: 9}, 8) // goes to the new owner
			c.udpFrag(3*ms, o[1], a, 1002, b, 2000, frag{id: 9, more: true}, 64)
			c.udp(200*sec, plain, "10.9.9.9", 1, "10.9.9.8", 2, 1) // everything before times out
			compareEngines(t, t2Config(1024), linkEth, c.pkts)
		})
	}
}

// TestEvictionPairing fills a small table so that T2 evicts at creation,
// including the reverse direction of the flow being created (which then
// starts a new conversation), on both paths.
func TestEvictionPairing(t *testing.T) {
	for _, e := range []encap{plain, mpls, raw} {
		t.Run(e.String(), func(t *testing.T) {
			c := &capBuilder{t: t}
			a, b, x, y := "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"
			c.udp(0, plain, a, 1000, b, 2000, 10)
			c.udp(ms, e, x, 3000, y, 4000, 10)
			c.udp(2*ms, e, b, 2000, a, 1000, 10) // evicts a->b first: a new conversation
			c.udp(3*ms, plain, y, 4000, x, 3000, 10)
			c.udp(4*ms, e, a, 1000, b, 2000, 10)
			for i := range 6 {
				c.udp(int64(5+i)*ms, []encap{plain, e}[i%2], a, uint16(5000+i), b, 80, 10)
			}
			b2 := compareEngines(t, t2Config(2), linkEth, c.pkts)
			if b2.stats.AutopilotFlows == 0 {
				t.Errorf("no eviction: the scenario tests nothing")
			}
		})
	}
}

// TestAlarmsAndForceMode drives a TCP connection with zero windows over
// both paths with PD_OPP and force mode: alarms, removal before the next
// packet, and the extracted packets from the ring buffer and from the Go
// path, in order.
func TestAlarmsAndForceMode(t *testing.T) {
	for _, e := range []encap{plain, mpls, raw} {
		t.Run(e.String(), func(t *testing.T) {
			c := &capBuilder{t: t}
			cl, sv := "10.0.0.1", "10.0.0.2"
			c.tcp(0, plain, cl, 40000, sv, 80, "S", 1000, 0, 64000, 0)
			c.tcp(ms, e, sv, 80, cl, 40000, "SA", 5000, 1001, 64000, 0)
			c.tcp(2*ms, plain, cl, 40000, sv, 80, "A", 1001, 5001, 64000, 0)
			for i := range 6 {
				win := uint16(64000)
				if i%2 == 1 {
					win = 0
				}
				c.tcp(int64(3+i)*ms, []encap{plain, e}[i%2], sv, 80, cl, 40000, "PA", 5001+uint32(i*100), 1001, win, 100)
				c.tcp(int64(3+i)*ms+ms/2, []encap{e, plain}[i%2], cl, 40000, sv, 80, "A", 1001, 5101+uint32(i*100), 64000, 0)
			}
			c.tcp(20*ms, e, sv, 80, cl, 40000, "RA", 5601, 1001, 0, 0)
			c.tcp(400*ms, plain, cl, 40000, sv, 80, "A", 1001, 5601, 0, 0)
			for _, force := range []bool{false, true} {
				t.Run(fmt.Sprintf("force=%v", force), func(t *testing.T) {
					cfg := t2Config(1024)
					cfg.Datapath.PDOpp, cfg.Datapath.ForceMode = true, force
					b := compareEngines(t, cfg, linkEth, c.pkts)
					if b.stats.LowWinPkts == 0 || len(b.pcapd) <= 24 {
						t.Errorf("%d low-window packets, %d-byte pcapd file: no alarm", b.stats.LowWinPkts, len(b.pcapd))
					}
					if b.counters.RingWritten == 0 {
						t.Errorf("no packet extracted from the ring buffer")
					}
				})
			}
		})
	}
}

// TestOddFrames covers frames the program cannot run (shorter than an
// Ethernet header), LAND flows and L2 flows on every path.
func TestOddFrames(t *testing.T) {
	for _, e := range []encap{plain, mpls, raw} {
		t.Run(e.String(), func(t *testing.T) {
			c := &capBuilder{t: t}
			c.add(0, linkEth, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
			c.tcp(ms, e, "10.0.0.9", 7, "10.0.0.9", 7, "S", 1, 0, 100, 0)
			c.tcp(2*ms, plain, "10.0.0.9", 7, "10.0.0.9", 7, "A", 2, 1, 0, 0)
			c.udp(3*ms, e, "10.0.0.1", 53, "10.0.0.2", 40000, 30) // A/B by port heuristic
			c.add(4*ms, linkEth, []byte{})                        // an empty record: expiry only
			b := compareEngines(t, t2Config(1024), linkEth, c.pkts)
			if b.counters.NotRunShort == 0 {
				t.Errorf("no frame was too short to run: %+v", b.counters)
			}
		})
	}
}

// TestNonEthernetCapture loads the program for a raw-IP capture: every
// packet is run and punted (PUNT_LINK) to the Go path.
func TestNonEthernetCapture(t *testing.T) {
	c := &capBuilder{t: t}
	c.tcp(0, raw, "10.0.0.1", 40000, "10.0.0.2", 80, "S", 1000, 0, 0, 0)
	c.tcp(ms, raw, "10.0.0.2", 80, "10.0.0.1", 40000, "SA", 5000, 1001, 0, 0)
	c.udpFrag(2*ms, raw, "10.0.0.1", 1, "10.0.0.2", 2, frag{id: 3, more: true}, 64)
	c.udpFrag(3*ms, raw, "10.0.0.1", 1, "10.0.0.2", 2, frag{id: 3, offset: 9}, 8)
	b := compareEngines(t, t2Config(1024), linkRaw, c.pkts)
	if b.counters.Run != uint64(len(c.pkts)) || b.counters.Punted != b.counters.Run {
		t.Errorf("%d run, %d punted, want every one of %d packets", b.counters.Run, b.counters.Punted, len(c.pkts))
	}
}

// TestPacketAndEnding drives a Stage directly: a flow created by the
// program (a first fragment, extracted through the ring buffer), its
// reverse created by the Go path after a punt, then both ended.
func TestPacketAndEnding(t *testing.T) {
	cfg := t2Config(16)
	cfg.Datapath.PDEq = false // extract flows without alarm: every packet here
	s := newStage(t, Options{Datapath: cfg.Datapath, Capacity: cfg.Capacity, LinkType: linkEth})
	tbl := flowtable.New(cfg.Capacity, append([]uint64{cfg.Datapath.FlowTimeoutNs}, datapath.Timeouts[:]...))
	emit := func(a, b *flowtable.Flow) { t.Errorf("flow %d ended while the table had room", a.State.FlowInd) }
	c := &capBuilder{t: t}
	c.udpFrag(0, plain, "10.0.0.1", 5000, "10.0.0.2", 6000, frag{id: 33, more: true}, 100)
	c.udp(ms, mpls, "10.0.0.2", 6000, "10.0.0.1", 5000, 10)
	var m datapath.Meta
	run := func(p *capture.Packet) engine.Outcome {
		datapath.Parse(&m, p.Data, p.OrigLen, p.LinkType)
		return s.Packet(tbl, p, &m, tbl.Hash(&m.Key), emit)
	}
	a := run(&c.pkts[0])
	if a.Flow == nil || !a.Result.Dump || a.Extract == nil || !a.Fragment {
		t.Fatalf("first packet: %+v, want a flow, a fragment and an extraction", a)
	}
	p := &c.pkts[0]
	if x := a.Extract; string(x.Data) != string(p.Data) || x.TsNs != p.TsNs || x.OrigLen != p.OrigLen || x.CapLen != p.CapLen || x.LinkType != p.LinkType {
		t.Errorf("ring copy %d bytes at %d (orig %d), want the packet's %d bytes at %d (orig %d)", len(x.Data), x.TsNs, x.OrigLen, len(p.Data), p.TsNs, p.OrigLen)
	}
	var kst datapath.State
	if err := s.obj.Flows.Lookup(&a.Flow.Key, &kst); err != nil || kst != a.Flow.State {
		t.Errorf("table copy differs from the kernel's state (%v)", err)
	}
	var owner flowtable.Key
	fk := flowtable.FragKey(&a.Flow.Key, 33)
	if err := s.obj.Frags.Lookup(&fk, &owner); err != nil || owner != a.Flow.Key {
		t.Errorf("fragment entry: %v, owner %v, want the flow", err, owner)
	}
	b := run(&c.pkts[1])
	if b.Flow == nil || tbl.Opposite(b.Flow) != a.Flow || b.Flow.State.FlowInd != a.Flow.State.FlowInd || b.Extract != &c.pkts[1] {
		t.Fatalf("reverse packet: %+v, want the opposite direction with flowInd %d, extracted from the capture", b, a.Flow.State.FlowInd)
	}
	if got := s.Counters(); got.KernelFlows != 1 || got.GoFlows != 1 || got.Punted != 1 || got.RingWritten != 1 || got.GoExtracted != 1 {
		t.Errorf("counters %+v, want one flow and one extraction on each path", got)
	}
	a.Flow.State.Status |= datapath.StatRmFlowHFull // as the table marks an eviction
	s.Ending(a.Flow, b.Flow)
	if a.Flow.State.Status&(datapath.StatRmFlowHFull|datapath.StatFragPending) != datapath.StatRmFlowHFull|datapath.StatFragPending {
		t.Errorf("ended state flowStat %#x lost the eviction mark or the pending datagram", a.Flow.State.Status)
	}
	if n, f := countEntries(s.obj.Flows), countEntries(s.obj.Frags); n != 0 || f != 0 || s.Counters().Ended != 2 {
		t.Errorf("%d flows and %d fragment entries left, %d ended; want none left, 2 ended", n, f, s.Counters().Ended)
	}
	if err := s.Err(); err != nil {
		t.Error(err)
	}
}
