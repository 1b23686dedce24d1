package flowtable_test

import (
	"testing"

	"github.com/flowtap/flowtap/userspace/datapath"
)

// TestExpirePair: a pair goes only when both directions are idle past
// their own timeouts, both lines together, A first (section 3).
func TestExpirePair(t *testing.T) {
	h := newHarness(t, 0)
	cli, _ := h.packet(0, udp(t, "10.0.0.1", "10.0.0.2", 40000, 53))
	cliKey := cli.Key
	h.packet(sec, udp(t, "10.0.0.2", "10.0.0.1", 53, 40000))
	h.tab.Expire(182*sec, h.emit)
	if out := h.take(); len(out) != 0 {
		t.Fatalf("wrote %q while the reply is 181 s old", inds(out))
	}
	h.tab.Expire(183*sec, h.emit)
	out := h.take()
	if inds(out) != "A1 B1" || out[0].key != cliKey || h.tab.Live() != 0 {
		t.Errorf("wrote %q (A is client %v), live %d; want A1 B1, the client first", inds(out), out[0].key == cliKey, h.tab.Live())
	}
}

// TestExpireBoundary: a flow expires when its idle time reaches the
// timeout (now - lastSeen >= timeout).
func TestExpireBoundary(t *testing.T) {
	h := newHarness(t, 0)
	h.packet(5*sec, udp(t, "10.0.0.1", "10.0.0.2", 40000, 53))
	h.tab.Expire(187*sec-1, h.emit)
	if len(h.out) != 0 {
		t.Fatal("expired 1 ns early")
	}
	h.tab.Expire(187*sec, h.emit)
	if inds(h.take()) != "A1" {
		t.Error("not expired at exactly 182 s")
	}
}

// TestExpireReset: tcpStates gives a refused connection 0.1 s on both
// sides; it is written by the first packet at least 0.1 s after the last
// packet of both directions.
func TestExpireReset(t *testing.T) {
	h := newHarness(t, 0)
	syn, _ := h.packet(0, tcp(t, "10.0.0.1", "10.0.0.2", 40000, 179, "S", 100, 0))
	synKey := syn.Key
	rst, _ := h.packet(10_000_000, tcp(t, "10.0.0.2", "10.0.0.1", 179, 40000, "RA", 0, 101))
	if syn.State.TimeoutNs != datapath.TimeoutReset || rst.State.TimeoutNs != datapath.TimeoutReset {
		t.Fatalf("timeouts %d/%d, want 0.1 s", syn.State.TimeoutNs, rst.State.TimeoutNs)
	}
	h.packet(105_000_000, udp(t, "10.0.0.7", "10.0.0.8", 1, 2))
	if out := h.take(); len(out) != 0 {
		t.Fatalf("wrote %q when the RST is 95 ms old", inds(out))
	}
	h.packet(110_000_000, udp(t, "10.0.0.7", "10.0.0.8", 1, 2))
	out := h.take()
	if inds(out) != "A1 B1" || out[0].key != synKey || out[1].status&datapath.StatInvert == 0 {
		t.Errorf("wrote %q, want A1 (SYN side) B1 (RST side)", inds(out))
	}
}

// TestExpireOrder: within one packet, pairs come out least recently
// active first; a pair goes when its older direction is reached.
func TestExpireOrder(t *testing.T) {
	h := newHarness(t, 0)
	h.packet(0, udp(t, "10.0.0.1", "10.0.0.9", 1001, 53))     // 1
	h.packet(1*sec, udp(t, "10.0.0.2", "10.0.0.9", 1002, 53)) // 2
	h.packet(2*sec, udp(t, "10.0.0.3", "10.0.0.9", 1003, 53)) // 3 A
	h.packet(3*sec, udp(t, "10.0.0.4", "10.0.0.9", 1004, 53)) // 4
	h.packet(4*sec, udp(t, "10.0.0.9", "10.0.0.3", 53, 1003)) // 3 B
	h.packet(5*sec, udp(t, "10.0.0.1", "10.0.0.9", 1001, 53)) // 1 again: now the newest
	h.tab.Expire(1000*sec, h.emit)
	if got := inds(h.take()); got != "A2 A3 B3 A4 A1" {
		t.Errorf("wrote %q, want A2 A3 B3 A4 A1", got)
	}
}

// TestExpireShortTimeoutFirst: a reset pair is released after 0.1 s even
// behind an older flow that is still alive (T2 walks from each timeout's
// sentinel, section 3).
func TestExpireShortTimeoutFirst(t *testing.T) {
	h := newHarness(t, 0)
	h.packet(0, udp(t, "10.0.0.1", "10.0.0.9", 1001, 53))
	h.packet(5*sec, tcp(t, "10.0.0.1", "10.0.0.2", 40000, 179, "S", 100, 0))
	h.packet(5*sec+1000, tcp(t, "10.0.0.2", "10.0.0.1", 179, 40000, "RA", 0, 101))
	h.packet(6*sec, udp(t, "10.0.0.1", "10.0.0.9", 1002, 53))
	if got := inds(h.take()); got != "A2 B2" {
		t.Fatalf("at 6 s wrote %q, want the reset pair A2 B2", got)
	}
	h.tab.Expire(182*sec, h.emit)
	if got := inds(h.take()); got != "A1" {
		t.Errorf("at 182 s wrote %q, want A1", got)
	}
}

// TestExpireMixedTimeouts: a half-closed connection (client closing,
// 120 s; server established, 610 s) waits for the longer timeout.
func TestExpireMixedTimeouts(t *testing.T) {
	h := newHarness(t, 0)
	h.packet(0, tcp(t, "10.0.0.1", "10.0.0.2", 40000, 80, "S", 100, 0))
	h.packet(sec/10, tcp(t, "10.0.0.2", "10.0.0.1", 80, 40000, "SA", 500, 101))
	h.packet(2*sec/10, tcp(t, "10.0.0.1", "10.0.0.2", 40000, 80, "A", 101, 501))
	h.packet(sec, tcp(t, "10.0.0.1", "10.0.0.2", 40000, 80, "FA", 101, 501))
	h.tab.Expire(610*sec, h.emit)
	if out := h.take(); len(out) != 0 {
		t.Fatalf("wrote %q before the server's 610 s", inds(out))
	}
	h.tab.Expire(610*sec+sec/10, h.emit)
	if got := inds(h.take()); got != "A1 B1" {
		t.Errorf("wrote %q, want A1 B1", got)
	}
}

// TestFlushOrder: at end of file flows go in LRU order, least recently
// active first, a pair when the first of its directions is reached, and
// always A first.
func TestFlushOrder(t *testing.T) {
	h := newHarness(t, 0)
	srv, _ := h.packet(0, udp(t, "10.0.0.9", "10.0.0.1", 53, 1001)) // 1, inverted, oldest
	h.packet(1*sec, udp(t, "10.0.0.2", "10.0.0.9", 1002, 53))       // 2
	cli, _ := h.packet(2*sec, udp(t, "10.0.0.1", "10.0.0.9", 1001, 53))
	h.packet(3*sec, udp(t, "10.0.0.3", "10.0.0.9", 1003, 53)) // 3
	h.packet(4*sec, udp(t, "10.0.0.2", "10.0.0.9", 1002, 53)) // 2 is now the newest
	srvKey, cliKey := srv.Key, cli.Key
	h.tab.Flush(h.emit)
	out := h.take()
	if inds(out) != "A1 B1 A3 A2" {
		t.Fatalf("flush wrote %q, want A1 B1 A3 A2", inds(out))
	}
	if out[0].key != cliKey || out[1].key != srvKey {
		t.Error("pair not written with the non-inverted (client) direction as A")
	}
	if h.tab.Live() != 0 {
		t.Errorf("live %d after flush", h.tab.Live())
	}
	h.tab.Flush(h.emit)
	if len(h.out) != 0 {
		t.Error("second flush wrote flows")
	}
}

// TestRemoveNow: force-mode removal writes the pair (A first) and removes
// it; a flow removed once is not written again.
func TestRemoveNow(t *testing.T) {
	h := newHarness(t, 0)
	cli, _ := h.packet(0, udp(t, "10.0.0.1", "10.0.0.2", 40000, 53))
	cliKey := cli.Key
	srv, _ := h.packet(sec, udp(t, "10.0.0.2", "10.0.0.1", 53, 40000))
	srvKey := srv.Key
	h.packet(2*sec, udp(t, "10.0.0.3", "10.0.0.2", 40000, 53))
	h.tab.RemoveNow(srv, h.emit)
	out := h.take()
	if inds(out) != "A1 B1" || out[0].key != cliKey {
		t.Fatalf("wrote %q, want A1 (client) B1", inds(out))
	}
	if h.tab.Lookup(&cliKey) != nil || h.tab.Lookup(&srvKey) != nil || h.tab.Live() != 1 {
		t.Errorf("pair still present, live %d", h.tab.Live())
	}
	h.tab.RemoveNow(srv, h.emit)
	if len(h.out) != 0 || h.tab.Live() != 1 {
		t.Errorf("stale RemoveNow wrote %q, live %d", inds(h.out), h.tab.Live())
	}
}

// TestForceModeRemoval: with FORCE_MODE the second low-window packet asks
// for removal; the pair is written with RMFLOW before the next packet,
// which starts a new flow with a new flowInd (section 7.4).
func TestForceModeRemoval(t *testing.T) {
	h := newHarness(t, 0)
	h.cfg.ForceMode = true
	zero := func(m *datapath.Meta) *datapath.Meta { m.TCPWin = 0; return m }
	h.packet(0, tcp(t, "10.0.0.1", "10.0.0.2", 40000, 80, "S", 100, 0))
	h.packet(sec/10, tcp(t, "10.0.0.2", "10.0.0.1", 80, 40000, "SA", 500, 101))
	h.packet(2*sec/10, zero(tcp(t, "10.0.0.1", "10.0.0.2", 40000, 80, "A", 101, 501)))
	h.packet(3*sec/10, zero(tcp(t, "10.0.0.1", "10.0.0.2", 40000, 80, "A", 101, 501)))
	if len(h.out) != 0 {
		t.Fatal("flow written before the next packet")
	}
	f, isNew := h.packet(4*sec/10, tcp(t, "10.0.0.2", "10.0.0.1", 80, 40000, "A", 501, 101))
	out := h.take()
	want := datapath.StatRmFlow | datapath.StatAlarm
	if inds(out) != "A1 B1" || out[0].status&want != want || out[0].pkts != 3 {
		t.Errorf("wrote %q, A status %#x pkts %d; want A1 B1 with RMFLOW|FL_ALARM on the client", inds(out), out[0].status, out[0].pkts)
	}
	if !isNew || f.State.FlowInd != 2 {
		t.Errorf("next packet: new %v flowInd %d, want a new flow 2", isNew, f.State.FlowInd)
	}
}

// TestEviction: a full table writes the least recently used flow with its
// opposite, RMFLOW_HFULL on the evicted flow, and counts it (section 3).
func TestEviction(t *testing.T) {
	t.Run("singleton", func(t *testing.T) {
		h := newHarness(t, 4)
		first, _ := h.packet(0, udp(t, "10.0.0.1", "10.0.0.9", 1001, 53))
		firstKey := first.Key
		for i := uint64(1); i < 4; i++ {
			h.packet(i*sec, udp(t, "10.0.0.2", "10.0.0.9", uint16(1001+i), 53))
		}
		h.packet(1*sec+1, udp(t, "10.0.0.1", "10.0.0.9", 1001, 53)) // refresh flow 1
		h.packet(5*sec, udp(t, "10.0.0.3", "10.0.0.9", 2000, 53))
		out := h.take()
		if inds(out) != "A2" || out[0].status&datapath.StatRmFlowHFull == 0 {
			t.Errorf("evicted %q, want A2 (least recently used) with RMFLOW_HFULL", inds(out))
		}
		c := h.tab.Counters()
		if c.Evicted != 1 || c.GlobalStatus&datapath.StatRmFlowHFull == 0 || c.MaxLive != 4 || h.tab.Live() != 4 {
			t.Errorf("evicted %d global %#x maxLive %d live %d", c.Evicted, c.GlobalStatus, c.MaxLive, h.tab.Live())
		}
		if h.tab.Lookup(&firstKey) == nil {
			t.Error("the refreshed flow was evicted")
		}
	})
	t.Run("pair", func(t *testing.T) {
		h := newHarness(t, 4)
		h.packet(0, udp(t, "10.0.0.1", "10.0.0.9", 1001, 53))
		h.packet(1*sec, udp(t, "10.0.0.9", "10.0.0.1", 53, 1001))
		h.packet(2*sec, udp(t, "10.0.0.2", "10.0.0.9", 1002, 53))
		h.packet(3*sec, udp(t, "10.0.0.3", "10.0.0.9", 1003, 53))
		f, _ := h.packet(4*sec, udp(t, "10.0.0.4", "10.0.0.9", 1004, 53))
		out := h.take()
		if inds(out) != "A1 B1" || out[0].status&datapath.StatRmFlowHFull == 0 {
			t.Errorf("evicted %q, want A1 B1 with RMFLOW_HFULL on the least recently used (A)", inds(out))
		}
		if h.tab.Live() != 3 || f.State.FlowInd != 4 || h.tab.Counters().Evicted != 1 {
			t.Errorf("live %d flowInd %d evicted %d, want 3 4 1", h.tab.Live(), f.State.FlowInd, h.tab.Counters().Evicted)
		}
	})
}

// TestExpireAfterUntouchedUpdate: later fragments update a flow's last
// time without moving it in the LRU list (T2 does not either). Expiry
// must still match T2's plain sentinel walk once that flow moves: here
// flow 2 is 185 s idle at 195 s and T2 writes it then.
func TestExpireAfterUntouchedUpdate(t *testing.T) {
	h := newHarness(t, 0)
	h.packet(0, udpFrag(t, "10.0.0.1", "10.0.0.2", 1000, 2000, 7, true, 0))  // flow 1, first fragment
	h.packet(10*sec, udp(t, "10.0.0.3", "10.0.0.4", 3000, 4000))             // flow 2
	h.packet(100*sec, udpFrag(t, "10.0.0.1", "10.0.0.2", 0, 0, 7, false, 9)) // last fragment of flow 1
	h.packet(190*sec, udp(t, "10.0.0.5", "10.0.0.6", 5000, 6000))            // flow 3
	h.packet(191*sec, udpFrag(t, "10.0.0.1", "10.0.0.2", 1000, 2000, 8, true, 0))
	if out := h.take(); len(out) != 0 {
		t.Fatalf("wrote %q before 192 s", inds(out))
	}
	h.packet(195*sec, udp(t, "10.0.0.5", "10.0.0.6", 5000, 6000))
	if got := inds(h.take()); got != "A2" {
		t.Errorf("at 195 s wrote %q, want A2 (idle 185 s, timeout 182 s)", got)
	}
}

// TestExpireAfterClockStepBack: after the capture clock steps back, a
// flow created at the earlier time sits in front of a later-stamped one;
// T2 writes it as soon as its 182 s sentinel walk reaches it (here at
// 213 s, flow 2 being idle 183 s).
func TestExpireAfterClockStepBack(t *testing.T) {
	h := newHarness(t, 0)
	h.packet(100*sec, udp(t, "10.0.0.1", "10.0.0.2", 1000, 2000)) // flow 1
	h.packet(30*sec, udp(t, "10.0.0.3", "10.0.0.4", 3000, 4000))  // flow 2, clock went back
	h.packet(115*sec, udp(t, "10.0.0.5", "10.0.0.6", 5000, 6000)) // flow 3
	h.packet(116*sec, udp(t, "10.0.0.1", "10.0.0.2", 1000, 2000)) // flow 1 refreshed
	if out := h.take(); len(out) != 0 {
		t.Fatalf("wrote %q before 212 s", inds(out))
	}
	h.packet(213*sec, udp(t, "10.0.0.5", "10.0.0.6", 5000, 6000))
	if got := inds(h.take()); got != "A2" {
		t.Errorf("at 213 s wrote %q, want A2 (idle 183 s)", got)
	}
}
