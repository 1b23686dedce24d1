package flowtable_test

import (
	"net"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/testenv"
)

const (
	fragFlags = datapath.StatFrag | datapath.StatFragPending
	src, dst  = "10.0.0.1", "10.0.0.2"
)

// TestFragmentSequence: the first fragment registers the datagram, later
// fragments are found by IP ID without ports, the last one clears PENDING
// (t2-semantics.md section 4).
func TestFragmentSequence(t *testing.T) {
	h := newHarness(t, 0)
	f, _ := h.packet(0, udpFrag(t, src, dst, 1000, 2000, 77, true, 0))
	if f.State.Status&fragFlags != fragFlags || f.Key.SrcPort != 1000 {
		t.Fatalf("first fragment: status %#x ports %d, want IPV4_FRAG|PENDING and ports", f.State.Status, f.Key.SrcPort)
	}
	g, isNew := h.packet(sec, udpFrag(t, src, dst, 0, 0, 77, true, 185))
	if g != f || isNew || h.tab.Live() != 1 {
		t.Fatalf("middle fragment: same flow %v new %v live %d", g == f, isNew, h.tab.Live())
	}
	g, _ = h.packet(2*sec, udpFrag(t, src, dst, 0, 0, 77, false, 370))
	if g != f || f.State.Pkts != 3 || f.State.Status&datapath.StatFragPending != 0 || f.State.Status&datapath.StatFrag == 0 {
		t.Fatalf("last fragment: same flow %v pkts %d status %#x, want PENDING cleared", g == f, f.State.Pkts, f.State.Status)
	}
	// Fragments share the IP ID: no DUPIPID for those found by the table.
	if f.State.Status&(datapath.StatFragErr|datapath.StatFragHdSeqErr|datapath.StatDupIPID) != 0 {
		t.Errorf("clean sequence flagged %#x", f.State.Status)
	}
	// A fragment after the last one has no head any more.
	g, isNew = h.packet(3*sec, udpFrag(t, src, dst, 0, 0, 77, false, 370))
	if g == f || !isNew || g.Key.SrcPort != 0 || g.State.Status&datapath.StatFragHdSeqErr == 0 {
		t.Errorf("stray fragment: new %v ports %d status %#x, want a new port-0 flow with HDSEQ_ERR", isNew, g.Key.SrcPort, g.State.Status)
	}
	c := h.tab.Counters()
	if c.FragHeadMissing != 1 || c.GlobalStatus&(datapath.StatFrag|datapath.StatFragHdSeqErr) != datapath.StatFrag|datapath.StatFragHdSeqErr {
		t.Errorf("head missing %d global %#x", c.FragHeadMissing, c.GlobalStatus)
	}
}

// TestFragmentHeadless: without its first fragment a datagram still gets
// a flow (FRAG_HLST_CRFT=1), with ports 0, flagged HDSEQ_ERR, and its
// next fragments find that flow.
func TestFragmentHeadless(t *testing.T) {
	h := newHarness(t, 0)
	f, isNew := h.packet(0, udpFrag(t, src, dst, 0, 0, 9, true, 100))
	want := datapath.StatFrag | datapath.StatFragHdSeqErr | datapath.StatFragPending
	if !isNew || f.Key.SrcPort != 0 || f.Key.L4Proto != datapath.ProtoUDP || f.State.Status&want != want {
		t.Fatalf("headless: new %v key %+v status %#x", isNew, f.Key, f.State.Status)
	}
	g, isNew := h.packet(sec, udpFrag(t, src, dst, 0, 0, 9, false, 200))
	if g != f || isNew || f.State.Status&datapath.StatFragPending != 0 {
		t.Errorf("next fragment: same flow %v new %v status %#x", g == f, isNew, f.State.Status)
	}
	if c := h.tab.Counters(); c.FragHeadMissing != 1 {
		t.Errorf("FragHeadMissing %d, want 1", c.FragHeadMissing)
	}
}

// TestFragmentPendingAtRemoval: a flow that ends while a datagram is
// unfinished puts IPV4_FRAG_PENDING in the global status and the counter,
// and its table entry goes with it.
func TestFragmentPendingAtRemoval(t *testing.T) {
	for _, how := range []string{"flush", "expire", "remove"} {
		t.Run(how, func(t *testing.T) {
			h := newHarness(t, 0)
			f, _ := h.packet(0, udpFrag(t, src, dst, 1000, 2000, 5, true, 0))
			switch how {
			case "flush":
				h.tab.Flush(h.emit)
			case "expire":
				h.tab.Expire(200*sec, h.emit)
			case "remove":
				h.tab.RemoveNow(f, h.emit)
			}
			out := h.take()
			if len(out) != 1 || out[0].status&datapath.StatFragPending == 0 {
				t.Fatalf("wrote %q, want the pending flow", inds(out))
			}
			c := h.tab.Counters()
			if c.FragPendingExpired != 1 || c.GlobalStatus&datapath.StatFragPending == 0 {
				t.Errorf("pending expired %d global %#x", c.FragPendingExpired, c.GlobalStatus)
			}
			// A new flow may reuse the slot; the old datagram must not reach it.
			other, _ := h.packet(300*sec, udp(t, "10.0.0.7", "10.0.0.8", 1, 2))
			g, isNew := h.packet(301*sec, udpFrag(t, src, dst, 0, 0, 5, false, 100))
			if !isNew || g == other || g.State.Status&datapath.StatFragHdSeqErr == 0 {
				t.Errorf("fragment of a removed flow: new %v attributed to the other flow %v", isNew, g == other)
			}
		})
	}
}

// TestFragmentErrors: a new first fragment while one is pending, or an
// unfragmented packet while pending, sets IPV4_FRAG_ERR.
func TestFragmentErrors(t *testing.T) {
	t.Run("new datagram while pending", func(t *testing.T) {
		h := newHarness(t, 0)
		f, _ := h.packet(0, udpFrag(t, src, dst, 1000, 2000, 1, true, 0))
		h.packet(sec, udpFrag(t, src, dst, 1000, 2000, 2, true, 0))
		if f.State.Status&datapath.StatFragErr == 0 || f.State.FragId != 2 {
			t.Errorf("status %#x fragID %d, want IPV4_FRAG_ERR and datagram 2", f.State.Status, f.State.FragId)
		}
		// Datagram 1 lost its entry; datagram 2 owns the flow now.
		if g, _ := h.packet(2*sec, udpFrag(t, src, dst, 0, 0, 1, false, 100)); g == f {
			t.Error("fragment of the replaced datagram found the flow")
		}
		if g, _ := h.packet(3*sec, udpFrag(t, src, dst, 0, 0, 2, false, 100)); g != f {
			t.Error("fragment of the current datagram did not find the flow")
		}
	})
	t.Run("plain packet while pending", func(t *testing.T) {
		h := newHarness(t, 0)
		f, _ := h.packet(0, udpFrag(t, src, dst, 1000, 2000, 1, true, 0))
		h.packet(sec, udp(t, src, dst, 1000, 2000))
		if f.State.Status&datapath.StatFragErr == 0 {
			t.Errorf("status %#x, want IPV4_FRAG_ERR", f.State.Status)
		}
	})
	t.Run("plain packets", func(t *testing.T) {
		h := newHarness(t, 0)
		f, _ := h.packet(0, udp(t, src, dst, 1000, 2000))
		h.packet(sec, udp(t, src, dst, 1000, 2000))
		if f.State.Status&(datapath.StatFrag|datapath.StatFragErr|datapath.StatFragPending) != 0 {
			t.Errorf("unfragmented flow has fragment bits %#x", f.State.Status)
		}
	})
}

// TestFragmentKeys: the datagram key is directional and includes the IP
// ID; two flows between the same hosts with the same IP ID share it, and
// the newer first fragment takes the datagram over.
func TestFragmentKeys(t *testing.T) {
	h := newHarness(t, 0)
	f, _ := h.packet(0, udpFrag(t, src, dst, 1000, 2000, 3, true, 0))
	if g, _ := h.packet(sec, udpFrag(t, dst, src, 0, 0, 3, false, 50)); g == f {
		t.Error("a reverse-direction fragment found the flow")
	}
	if g, _ := h.packet(sec, udpFrag(t, src, dst, 0, 0, 4, false, 50)); g == f {
		t.Error("a fragment with another IP ID found the flow")
	}
	f2, _ := h.packet(2*sec, udpFrag(t, src, dst, 1001, 2000, 3, true, 0))
	if f.State.Status&datapath.StatFragPending != 0 {
		t.Error("the first flow kept PENDING after losing its datagram")
	}
	if g, _ := h.packet(3*sec, udpFrag(t, src, dst, 0, 0, 3, false, 50)); g != f2 {
		t.Error("the later fragment did not go to the flow that took the datagram over")
	}
}

// TestFragmentIPv6 follows an IPv6 datagram through the fragment table.
func TestFragmentIPv6(t *testing.T) {
	frag := func(off uint16, more bool) *datapath.Meta {
		ls := []gopacket.SerializableLayer{eth(layers.EthernetTypeIPv6),
			&layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolIPv6Fragment,
				SrcIP: net.ParseIP("2001:db8::1"), DstIP: net.ParseIP("2001:db8::2")},
			&layers.IPv6Fragment{NextHeader: layers.IPProtocolUDP, FragmentOffset: off, MoreFragments: more, Identification: 0x01020304}}
		if off == 0 {
			ls = append(ls, &layers.UDP{SrcPort: 5000, DstPort: 53})
		}
		return parse(t, testenv.Serialize(t, append(ls, gopacket.Payload(make([]byte, 64)))...))
	}
	h := newHarness(t, 0)
	f, _ := h.packet(0, frag(0, true))
	if f.State.Status&fragFlags != fragFlags || f.State.FragId != 0x01020304 {
		t.Fatalf("first fragment: status %#x fragID %#x", f.State.Status, f.State.FragId)
	}
	g, isNew := h.packet(sec, frag(9, false))
	if g != f || isNew || f.State.Status&datapath.StatFragPending != 0 {
		t.Errorf("last fragment: same flow %v new %v status %#x", g == f, isNew, f.State.Status)
	}
	if c := h.tab.Counters(); c.IPv6 != 1 || c.FragHeadMissing != 0 {
		t.Errorf("counters %+v", c)
	}
}
