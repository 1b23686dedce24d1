package flowtable_test

import (
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/userspace/datapath"
)

// TestHeuristic checks L3FLOWINVERT of a flow created without opposite
// (t2-semantics.md section 2): source port < 1024 and below the peer's,
// source port 8080/8081/8088/8089, or a TCP SYN/ACK.
func TestHeuristic(t *testing.T) {
	cases := []struct {
		name   string
		m      func(t testing.TB) *datapath.Meta
		invert bool
	}{
		{"client port", func(t testing.TB) *datapath.Meta { return udp(t, "10.0.0.1", "10.0.0.2", 40000, 53) }, false},
		{"server port 53", func(t testing.TB) *datapath.Meta { return udp(t, "10.0.0.2", "10.0.0.1", 53, 40000) }, true},
		{"low port above peer", func(t testing.TB) *datapath.Meta { return udp(t, "10.0.0.1", "10.0.0.2", 80, 22) }, false},
		{"low port below peer", func(t testing.TB) *datapath.Meta { return udp(t, "10.0.0.1", "10.0.0.2", 22, 80) }, true},
		{"port 1023", func(t testing.TB) *datapath.Meta { return udp(t, "10.0.0.1", "10.0.0.2", 1023, 1024) }, true},
		{"port 1024", func(t testing.TB) *datapath.Meta { return udp(t, "10.0.0.1", "10.0.0.2", 1024, 1025) }, false},
		{"8080", func(t testing.TB) *datapath.Meta { return udp(t, "10.0.0.1", "10.0.0.2", 8080, 80) }, true},
		{"8081", func(t testing.TB) *datapath.Meta { return udp(t, "10.0.0.1", "10.0.0.2", 8081, 50000) }, true},
		{"8088", func(t testing.TB) *datapath.Meta { return udp(t, "10.0.0.1", "10.0.0.2", 8088, 50000) }, true},
		{"8089", func(t testing.TB) *datapath.Meta { return udp(t, "10.0.0.1", "10.0.0.2", 8089, 50000) }, true},
		{"8082", func(t testing.TB) *datapath.Meta { return udp(t, "10.0.0.1", "10.0.0.2", 8082, 50000) }, false},
		{"8090", func(t testing.TB) *datapath.Meta { return udp(t, "10.0.0.1", "10.0.0.2", 8090, 50000) }, false},
		{"tcp syn", func(t testing.TB) *datapath.Meta { return tcp(t, "10.0.0.1", "10.0.0.2", 40000, 40001, "S", 1, 0) }, false},
		{"tcp syn-ack", func(t testing.TB) *datapath.Meta { return tcp(t, "10.0.0.1", "10.0.0.2", 40000, 40001, "SA", 1, 2) }, true},
		{"tcp ack", func(t testing.TB) *datapath.Meta { return tcp(t, "10.0.0.1", "10.0.0.2", 40000, 40001, "A", 1, 2) }, false},
		{"icmp", func(t testing.TB) *datapath.Meta { return icmpEcho(t, "10.0.0.2", "10.0.0.1", true) }, false},
		// The heuristic is not applied to L2 flows; ports are 0 there anyway.
		{"arp", func(t testing.TB) *datapath.Meta { return arp(t, macB, macA, layers.ARPReply) }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, 0)
			f, isNew := h.packet(0, c.m(t))
			if !isNew || f.State.FlowInd != 1 {
				t.Fatalf("new %v flowInd %d, want a new flow 1", isNew, f.State.FlowInd)
			}
			if got := f.State.Status&datapath.StatInvert != 0; got != c.invert {
				t.Errorf("L3FLOWINVERT %v, want %v", got, c.invert)
			}
			if c := h.tab.Counters(); c.AFlows != 1 || c.BFlows != 0 {
				t.Errorf("A %d B %d flows, want 1 0", c.AFlows, c.BFlows)
			}
		})
	}
}

// TestPairing covers A/B linking: the second direction shares the flowInd,
// counts as a B flow and takes the inverse of its partner's bit 0.
func TestPairing(t *testing.T) {
	cases := []struct {
		name             string
		first, second    func(t testing.TB) *datapath.Meta
		invFirst, invSec bool
	}{
		{"client first", func(t testing.TB) *datapath.Meta { return udp(t, "10.0.0.1", "10.0.0.2", 40000, 53) },
			func(t testing.TB) *datapath.Meta { return udp(t, "10.0.0.2", "10.0.0.1", 53, 40000) }, false, true},
		{"server first", func(t testing.TB) *datapath.Meta { return udp(t, "10.0.0.2", "10.0.0.1", 53, 40000) },
			func(t testing.TB) *datapath.Meta { return udp(t, "10.0.0.1", "10.0.0.2", 40000, 53) }, true, false},
		{"icmp echo", func(t testing.TB) *datapath.Meta { return icmpEcho(t, "10.0.0.1", "10.0.0.2", false) },
			func(t testing.TB) *datapath.Meta { return icmpEcho(t, "10.0.0.2", "10.0.0.1", true) }, false, true},
		{"tcp syn then syn-ack", func(t testing.TB) *datapath.Meta { return tcp(t, "10.0.0.1", "10.0.0.2", 40000, 80, "S", 1, 0) },
			func(t testing.TB) *datapath.Meta { return tcp(t, "10.0.0.2", "10.0.0.1", 80, 40000, "SA", 9, 2) }, false, true},
		{"unicast arp", func(t testing.TB) *datapath.Meta { return arp(t, macA, macB, layers.ARPRequest) },
			func(t testing.TB) *datapath.Meta { return arp(t, macB, macA, layers.ARPReply) }, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, 0)
			f1, _ := h.packet(0, c.first(t))
			f2, isNew := h.packet(sec, c.second(t))
			if !isNew || f1 == f2 {
				t.Fatal("the reply did not create its own direction")
			}
			if h.tab.Opposite(f1) != f2 || h.tab.Opposite(f2) != f1 {
				t.Error("directions not linked")
			}
			if f1.State.FlowInd != 1 || f2.State.FlowInd != 1 {
				t.Errorf("flowInd %d/%d, want 1/1", f1.State.FlowInd, f2.State.FlowInd)
			}
			if (f1.State.Status&datapath.StatInvert != 0) != c.invFirst || (f2.State.Status&datapath.StatInvert != 0) != c.invSec {
				t.Errorf("L3FLOWINVERT %v/%v, want %v/%v", f1.State.Status&1 != 0, f2.State.Status&1 != 0, c.invFirst, c.invSec)
			}
			if cn := h.tab.Counters(); cn.AFlows != 1 || cn.BFlows != 1 || cn.MaxLive != 2 {
				t.Errorf("A %d B %d maxLive %d, want 1 1 2", cn.AFlows, cn.BFlows, cn.MaxLive)
			}
			// The direction without bit 0 is written first, as A.
			h.tab.Flush(h.emit)
			wantA := f1.Key
			if c.invFirst {
				wantA = f2.Key
			}
			if out := h.take(); len(out) != 2 || out[0].key != wantA || inds(out) != "A1 B1" {
				t.Errorf("flush wrote %q, want A1 B1 with the non-inverted direction as A", inds(out))
			}
		})
	}
}

// TestFlowIndCounter: one counter for L2 and IP flows, in creation order;
// ARP request to broadcast and its unicast reply are separate A flows.
func TestFlowIndCounter(t *testing.T) {
	h := newHarness(t, 0)
	steps := []struct {
		m    *datapath.Meta
		ind  uint64
		kind string
	}{
		{arp(t, macA, bcast, layers.ARPRequest), 1, "l2"},
		{udp(t, "10.0.0.1", "10.0.0.2", 40000, 53), 2, "ipv4"},
		{arp(t, macB, macA, layers.ARPReply), 3, "l2"},
		{udp(t, "10.0.0.2", "10.0.0.1", 53, 40000), 2, "ipv4"},
		{udp(t, "10.0.0.1", "10.0.0.3", 40000, 53), 4, "ipv4"},
	}
	for i, s := range steps {
		f, _ := h.packet(uint64(i)*sec, s.m)
		if f.State.FlowInd != s.ind {
			t.Errorf("packet %d: flowInd %d, want %d", i, f.State.FlowInd, s.ind)
		}
	}
	c := h.tab.Counters()
	if c.AFlows != 4 || c.BFlows != 1 || c.L2 != 2 || c.IPv4 != 3 || c.IPv6 != 0 || h.tab.Live() != 5 {
		t.Errorf("counters %+v live %d", c, h.tab.Live())
	}
	// A flow created after its conversation was removed gets a new flowInd.
	h.tab.Flush(h.emit)
	f, _ := h.packet(10*sec, udp(t, "10.0.0.1", "10.0.0.2", 40000, 53))
	if f.State.FlowInd != 5 {
		t.Errorf("flowInd after removal %d, want 5", f.State.FlowInd)
	}
}

// TestLandAttack: a key equal to its own reverse is a new conversation,
// flagged LANDATTACK for TCP only; T2 applies no A/B heuristic there.
func TestLandAttack(t *testing.T) {
	cases := []struct {
		name string
		m    func(t testing.TB) *datapath.Meta
		land bool
	}{
		{"tcp syn", func(t testing.TB) *datapath.Meta { return tcp(t, "10.0.0.5", "10.0.0.5", 139, 139, "S", 1, 0) }, true},
		{"tcp syn-ack", func(t testing.TB) *datapath.Meta { return tcp(t, "10.0.0.5", "10.0.0.5", 8080, 8080, "SA", 1, 0) }, true},
		{"udp", func(t testing.TB) *datapath.Meta { return udp(t, "10.0.0.5", "10.0.0.5", 53, 53) }, false},
		{"icmp to self", func(t testing.TB) *datapath.Meta { return icmpEcho(t, "10.0.0.5", "10.0.0.5", false) }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, 0)
			f, _ := h.packet(0, c.m(t))
			g, isNew := h.packet(sec, c.m(t))
			if isNew || g != f {
				t.Fatal("second packet created a new direction")
			}
			if got := f.State.Status&datapath.StatLandAttack != 0; got != c.land {
				t.Errorf("LANDATTACK %v, want %v", got, c.land)
			}
			if f.State.Status&datapath.StatInvert != 0 || h.tab.Opposite(f) != nil {
				t.Errorf("inverted %v opposite %v, want a plain singleton", f.State.Status&1 != 0, h.tab.Opposite(f) != nil)
			}
			if cn := h.tab.Counters(); cn.AFlows != 1 || cn.BFlows != 0 || f.State.FlowInd != 1 {
				t.Errorf("A %d B %d flowInd %d", cn.AFlows, cn.BFlows, f.State.FlowInd)
			}
		})
	}
}

// TestCorrReplFlows: an inverted singleton counts as a reply flow when it
// is written (section 2).
func TestCorrReplFlows(t *testing.T) {
	h := newHarness(t, 0)
	h.packet(0, udp(t, "10.0.0.2", "10.0.0.1", 53, 40000))   // inverted singleton
	h.packet(sec, udp(t, "10.0.0.3", "10.0.0.1", 40000, 53)) // plain singleton
	if c := h.tab.Counters(); c.CorrReplFlows != 0 {
		t.Fatalf("CorrReplFlows %d before any flow is written", c.CorrReplFlows)
	}
	h.tab.Flush(h.emit)
	if c := h.tab.Counters(); c.CorrReplFlows != 1 {
		t.Errorf("CorrReplFlows %d, want 1", c.CorrReplFlows)
	}
	if out := h.take(); inds(out) != "A1 A2" || out[0].status&datapath.StatInvert == 0 {
		t.Errorf("flush wrote %q, want the inverted singleton as A1 first", inds(out))
	}
}
