package engine

import (
	"slices"
	"strings"
	"testing"

	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/gopacket/gopacket/layers"
)

// TestPairing checks A/B assignment and line order (t2-semantics.md
// section 2): the direction without bit 0 is written first as A, the
// other right after as B with the same flowInd; singletons are A even
// when inverted.
func TestPairing(t *testing.T) {
	t.Run("client first", func(t *testing.T) {
		r := newRig(t, false)
		c := newConn(t)
		r.feed(0, c.c("S", 1000, 0))
		r.feed(10*ms, c.s("SA", 1000, 0))
		r.feed(20*ms, c.c("A", 1000, 0))
		got := r.summary(r.finish())
		want := []string{"A 1 10.0.0.1:40000>10.0.0.2:80 2", "B 1 10.0.0.2:80>10.0.0.1:40000 1"}
		if !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("server seen first", func(t *testing.T) {
		// The SYN/ACK creates the flow (inverted by the heuristic); the
		// client's ACK creates the opposite, which is then the A side.
		r := newRig(t, false)
		c := newConn(t)
		c.c("S", 1000, 0) // not captured
		r.feed(0, c.s("SA", 1000, 0))
		r.feed(10*ms, c.c("A", 1000, 0))
		ls := r.finish()
		got := r.summary(ls)
		want := []string{"A 1 10.0.0.1:40000>10.0.0.2:80 1", "B 1 10.0.0.2:80>10.0.0.1:40000 1"}
		if !slices.Equal(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
		if r.status(ls[0])&bitInvert != 0 || r.status(ls[1])&bitInvert == 0 {
			t.Errorf("bit 0: A %#x, B %#x; want clear on A, set on B", r.status(ls[0]), r.status(ls[1]))
		}
	})
	singles := []struct {
		name   string
		frame  func(t *testing.T) []byte
		invert bool
	}{
		{"lone http response", func(t *testing.T) []byte { return tcpPkt(t, "10.0.0.2", 80, "10.0.0.1", 40000, "PA", 1, 1, 1000, 10) }, true},
		{"source port 8080", func(t *testing.T) []byte { return tcpPkt(t, "10.0.0.2", 8080, "10.0.0.1", 40000, "PA", 1, 1, 1000, 10) }, true},
		{"source port 8089", func(t *testing.T) []byte { return udpPkt(t, "10.0.0.2", 8089, "10.0.0.1", 5000, 10) }, true},
		{"source port 8082", func(t *testing.T) []byte { return udpPkt(t, "10.0.0.2", 8082, "10.0.0.1", 5000, 10) }, false},
		{"udp from 53 to 5353", func(t *testing.T) []byte { return udpPkt(t, "10.0.0.2", 53, "10.0.0.1", 5353, 10) }, true},
		{"udp from 5353 to 53", func(t *testing.T) []byte { return udpPkt(t, "10.0.0.1", 5353, "10.0.0.2", 53, 10) }, false},
		{"lone syn/ack from a high port", func(t *testing.T) []byte { return tcpPkt(t, "10.0.0.2", 50000, "10.0.0.1", 40000, "SA", 1, 1, 1000, 0) }, true},
	}
	for _, tc := range singles {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, false)
			r.feed(0, tc.frame(t))
			ls := r.finish()
			if len(ls) != 1 || ls[0][0] != "A" || ls[0][1] != "1" {
				t.Fatalf("lines %q, want one A line with flowInd 1", r.summary(ls))
			}
			if inv := r.status(ls[0])&bitInvert != 0; inv != tc.invert {
				t.Errorf("bit 0 = %v, want %v", inv, tc.invert)
			}
			st := r.eng.Stats()
			if want := map[bool]uint64{true: 1}[tc.invert]; st.CorrReplFlows != want {
				t.Errorf("corrReplFlows %d, want %d", st.CorrReplFlows, want)
			}
		})
	}
	t.Run("arp request and reply are two singletons", func(t *testing.T) {
		r := newRig(t, false)
		r.feed(0, arpPkt(t, macA, layers.EthernetBroadcast, layers.ARPRequest))
		r.feed(ms, arpPkt(t, macB, macA, layers.ARPReply))
		ls := r.finish()
		if len(ls) != 2 {
			t.Fatalf("lines %q, want 2", r.summary(ls))
		}
		for i, l := range ls {
			if l[0] != "A" || r.col(l, "srcIP") != "-" || r.status(l) != 0x44 {
				t.Errorf("line %d: dir %s srcIP %s flowStat %#x, want A - 0x44", i, l[0], r.col(l, "srcIP"), r.status(l))
			}
		}
		if ls[0][1] == ls[1][1] {
			t.Errorf("both ARP flows have flowInd %s", ls[0][1])
		}
	})
}

// TestEOFOrder checks the end-of-file flush: least recently active first,
// a pair when the first of its directions is reached (section 3).
func TestEOFOrder(t *testing.T) {
	r := newRig(t, false)
	r.feed(0*sec, udpPkt(t, "10.0.0.1", 40001, "10.0.0.9", 2000, 1)) // X, flowInd 1
	r.feed(1*sec, udpPkt(t, "10.0.0.2", 40002, "10.0.0.9", 2000, 1)) // Y, 2
	r.feed(2*sec, udpPkt(t, "10.0.0.3", 40003, "10.0.0.9", 2000, 1)) // P (A side), 3
	r.feed(3*sec, udpPkt(t, "10.0.0.4", 40004, "10.0.0.9", 2000, 1)) // Z, 4
	r.feed(4*sec, udpPkt(t, "10.0.0.1", 40001, "10.0.0.9", 2000, 1)) // X again
	r.feed(5*sec, udpPkt(t, "10.0.0.9", 2000, "10.0.0.3", 40003, 1)) // P's B side
	got := r.summary(r.finish())
	// last seen: Y 1, P min(2, 5) = 2, Z 3, X 4.
	want := []string{
		"A 2 10.0.0.2:40002>10.0.0.9:2000 1",
		"A 3 10.0.0.3:40003>10.0.0.9:2000 1",
		"B 3 10.0.0.9:2000>10.0.0.3:40003 1",
		"A 4 10.0.0.4:40004>10.0.0.9:2000 1",
		"A 1 10.0.0.1:40001>10.0.0.9:2000 2",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestResetRelease checks that a connection closed by RST is released at
// the first packet at least 0.1 s after its last packet (tcpStates' RESET
// timeout, section 3), not before.
func TestResetRelease(t *testing.T) {
	tests := []struct {
		name     string
		gap      int64 // from the RST to the unrelated packet
		released bool
	}{
		{"50 ms later", 50 * ms, false},
		{"99 ms later", 99 * ms, false},
		{"100 ms later", 100 * ms, true},
		{"150 ms later", 150 * ms, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, false)
			c := newConn(t)
			r.feed(0, c.c("S", 1000, 0))
			r.feed(10*ms, c.s("RA", 0, 0)) // refused
			// An unrelated packet: the pair must already be gone when its
			// flow is created, so at most 2 flows were ever live.
			r.feed(10*ms+tc.gap, udpPkt(t, "10.0.0.7", 5000, "10.0.0.8", 6000, 1))
			// The same 5-tuple again: a new conversation after release.
			r.feed(10*ms+tc.gap+ms/2, c.c("S", 1000, 0))
			ls := r.finish()
			st := r.eng.Stats()
			wantLive := map[bool]uint64{true: 2, false: 3}[tc.released]
			if st.MaxFlowsInMemory != wantLive {
				t.Errorf("max flows in memory %d, want %d", st.MaxFlowsInMemory, wantLive)
			}
			var synFlows []string
			for _, l := range ls {
				if r.col(l, "srcIP") == "10.0.0.1" {
					synFlows = append(synFlows, l[1]+"/"+r.col(l, "pktsSnt"))
				}
			}
			want := []string{"1/2"}
			if tc.released {
				want = []string{"1/1", "3/1"}
			}
			if !slices.Equal(synFlows, want) {
				t.Errorf("client flows (flowInd/packets) %q, want %q; lines %q", synFlows, want, r.summary(ls))
			}
			if tc.released && r.summary(ls[:2])[0] != "A 1 10.0.0.1:40000>10.0.0.2:80 1" {
				t.Errorf("the released pair is not written first: %q", r.summary(ls))
			}
		})
	}
}

// TestTimeoutSplit checks FLOW_TIMEOUT (182 s) on a UDP conversation: a
// pair ends only when both directions are idle that long.
func TestTimeoutSplit(t *testing.T) {
	tests := []struct {
		name   string
		times  []int64 // client packets; the server answers once at 1 s
		server []int64
		want   []string
	}{
		{"181.9 s idle keeps the flow", []int64{0, 100 * sec, 100*sec + 181900*ms}, []int64{sec},
			[]string{"A 1 3", "B 1 1"}},
		{"182 s idle splits", []int64{0, 100 * sec, 282 * sec}, []int64{sec},
			[]string{"A 1 2", "B 1 1", "A 2 1"}},
		{"one side active keeps the pair", []int64{0, 300 * sec}, []int64{sec, 150 * sec, 290 * sec},
			[]string{"A 1 2", "B 1 3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, false)
			type ev struct {
				at     int64
				server bool
			}
			var evs []ev
			for _, at := range tc.times {
				evs = append(evs, ev{at, false})
			}
			for _, at := range tc.server {
				evs = append(evs, ev{at, true})
			}
			slices.SortFunc(evs, func(a, b ev) int { return int(a.at/ms - b.at/ms) })
			for _, e := range evs {
				if e.server {
					r.feed(e.at, udpPkt(t, "10.0.0.2", 7000, "10.0.0.1", 6000, 4))
				} else {
					r.feed(e.at, udpPkt(t, "10.0.0.1", 6000, "10.0.0.2", 7000, 4))
				}
			}
			var got []string
			for _, l := range r.finish() {
				got = append(got, l[0]+" "+l[1]+" "+r.col(l, "pktsSnt"))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestForceMode checks FORCE_MODE=1: at the second low-window packet the
// flow gets RMFLOW and is written with its opposite before the next packet;
// later packets start a new flow with a new flowInd (section 7.4).
func TestForceMode(t *testing.T) {
	r := newRig(t, false, withForce)
	c := newConn(t)
	r.feed(0, c.c("S", 1000, 0))
	r.feed(1*ms, c.s("SA", 1000, 0))
	r.feed(2*ms, c.c("A", 0, 0))       // first low window: alarm
	r.feed(3*ms, c.s("PA", 1000, 100)) // server data
	r.feed(4*ms, c.c("A", 0, 0))       // second: removal queued
	r.feed(5*ms, c.c("A", 1000, 0))    // next packet: new flow
	ls := r.finish()
	got := r.summary(ls)
	want := []string{
		"A 1 10.0.0.1:40000>10.0.0.2:80 3",
		"B 1 10.0.0.2:80>10.0.0.1:40000 2",
		"A 2 10.0.0.1:40000>10.0.0.2:80 1",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if s := r.status(ls[0]); s&bitRmFlow == 0 || s&bitAlarm == 0 {
		t.Errorf("removed flow flowStat %#x, want RMFLOW and FL_ALARM", s)
	}
	if want := "0x0402020000004000"; r.col(ls[0], "flowStat") != want {
		t.Errorf("removed IPv4 alarm direction prints %s, want %s (section 7.4)", r.col(ls[0], "flowStat"), want)
	}
	if s := r.status(ls[2]); s&(bitRmFlow|bitAlarm) != 0 {
		t.Errorf("new flow flowStat %#x carries the old flow's bits", s)
	}
	if r.col(ls[0], "tcpWinThCnt") != "2" || r.col(ls[2], "tcpWinThCnt") != "0" {
		t.Errorf("winThCnt old %s new %s, want 2 and a fresh 0", r.col(ls[0], "tcpWinThCnt"), r.col(ls[2], "tcpWinThCnt"))
	}
	st := r.eng.Stats()
	if st.ForcedFlows != 1 || st.FlowStat&bitRmFlow == 0 {
		t.Errorf("forced flows %d, aggregated flowStat %#x; want 1 and RMFLOW", st.ForcedFlows, st.FlowStat)
	}
	// The removing packet itself is still extracted by pcapd.
	if ex := r.extracted(); !slices.Equal(ex, []int64{2 * ms, 4 * ms}) {
		t.Errorf("extracted %v, want the two low-window packets", ex)
	}
}

func TestForceModeAtEOF(t *testing.T) {
	r := newRig(t, false, withForce)
	c := newConn(t)
	r.feed(0, c.c("A", 0, 0))
	r.feed(ms, c.c("A", 0, 0)) // second low window is the last packet
	ls := r.finish()
	if len(ls) != 1 || r.status(ls[0])&bitRmFlow == 0 {
		t.Errorf("lines %q flowStat %v, want one line with RMFLOW", r.summary(ls), ls)
	}
}

// TestAlarmMode checks ALARM_MODE=1: only directions whose plugins
// reported alarms are written, a B line possibly alone (section 7.4).
func TestAlarmMode(t *testing.T) {
	t.Run("syn/ack with window 0 writes the B side alone", func(t *testing.T) {
		r := newRig(t, false, withAlarms, withMinPkts(1))
		c := newConn(t)
		r.feed(0, c.c("S", 1000, 0))
		r.feed(ms, c.s("SA", 0, 0))
		r.feed(2*ms, c.c("A", 1000, 0))
		r.feed(3*ms, udpPkt(t, "10.0.0.5", 53, "10.0.0.6", 5353, 4))
		ls := r.finish()
		got := r.summary(ls)
		want := []string{"B 1 10.0.0.2:80>10.0.0.1:40000 1"}
		if !slices.Equal(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
		st := r.eng.Stats()
		if st.FlowLines != 1 || st.Suppressed != 2 || st.Alarms != 1 || st.AlarmFlows != 1 {
			t.Errorf("lines %d suppressed %d alarms %d in %d flows; want 1 2 1 1",
				st.FlowLines, st.Suppressed, st.Alarms, st.AlarmFlows)
		}
	})
	t.Run("alarm flag without report is not written", func(t *testing.T) {
		// One low-window packet but fewer than TCPWIN_MINPKTS (30).
		r := newRig(t, false, withAlarms)
		c := newConn(t)
		r.feed(0, c.c("S", 1000, 0))
		r.feed(ms, c.s("RA", 0, 0))
		ls := r.finish()
		if len(ls) != 0 {
			t.Errorf("lines %q, want none", r.summary(ls))
		}
		if st := r.eng.Stats(); st.FlowStat&bitAlarm == 0 || st.AlarmFlows != 0 {
			t.Errorf("aggregated flowStat %#x alarm flows %d; want FL_ALARM and 0", st.FlowStat, st.AlarmFlows)
		}
	})
	t.Run("off writes every direction", func(t *testing.T) {
		r := newRig(t, false, withMinPkts(1))
		c := newConn(t)
		r.feed(0, c.c("S", 1000, 0))
		r.feed(ms, c.s("SA", 0, 0))
		if ls := r.finish(); len(ls) != 2 {
			t.Errorf("lines %q, want 2", r.summary(ls))
		}
	})
}

// TestExtraction checks pcapd's selection with PD_OPP=0 and 1 (section
// 7.5): from the alarm packet on, the opposite from the next packet of the
// connection on, nothing retroactively.
func TestExtraction(t *testing.T) {
	type step struct {
		server bool
		flags  string
		win    uint16
		data   int
	}
	// 14-packet connection, the client sends window 0 in packet 7.
	long := []step{
		{false, "S", 1000, 0}, {true, "SA", 1000, 0}, {false, "A", 1000, 0}, {false, "PA", 1000, 50},
		{true, "A", 1000, 0}, {true, "PA", 1000, 500}, {false, "A", 0, 0}, {true, "PA", 1000, 500},
		{false, "A", 1000, 0}, {false, "A", 1000, 0}, {true, "PA", 1000, 500}, {false, "A", 1000, 0},
		{true, "PA", 1000, 10}, {false, "A", 1000, 0},
	}
	// Packets 19-22 of the synthetic capture: SYN, SYN/ACK with window 0,
	// ACK, RST/ACK with window 0.
	synack := []step{{false, "S", 1000, 0}, {true, "SA", 0, 0}, {false, "A", 1000, 0}, {false, "RA", 0, 0}}
	// The alarm comes before the opposite exists.
	early := []step{{false, "S", 0, 0}, {true, "SA", 1000, 0}, {false, "A", 1000, 0}, {true, "PA", 1000, 10}}
	tests := []struct {
		name  string
		steps []step
		pdOpp bool
		want  []int // 1-based packet numbers
	}{
		{"long, PD_OPP=1", long, true, []int{7, 8, 9, 10, 11, 12, 13, 14}},
		{"long, PD_OPP=0", long, false, []int{7, 9, 10, 12, 14}},
		{"syn/ack window 0, PD_OPP=1", synack, true, []int{2, 3, 4}},
		{"syn/ack window 0, PD_OPP=0", synack, false, []int{2, 4}},
		{"alarm before the opposite, PD_OPP=1", early, true, []int{1, 3, 4}},
		{"alarm before the opposite, PD_OPP=0", early, false, []int{1, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []rigOpt
			if tc.pdOpp {
				opts = append(opts, withPDOpp)
			}
			r := newRig(t, false, opts...)
			c := newConn(t)
			for i, s := range tc.steps {
				at := int64(i) * ms
				if s.server {
					r.feed(at, c.s(s.flags, s.win, s.data))
				} else {
					r.feed(at, c.c(s.flags, s.win, s.data))
				}
			}
			var got []int
			for _, at := range r.extracted() {
				got = append(got, int(at/ms)+1)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("extracted packets %v, want %v", got, tc.want)
			}
			// PD_OPP does not put FL_ALARM on the opposite.
			for _, l := range r.finish() {
				low := r.col(l, "tcpWinThCnt") != "0"
				if alarm := r.status(l)&bitAlarm != 0; alarm != low {
					t.Errorf("%s: FL_ALARM %v with winThCnt %s", r.summary([][]string{l})[0], alarm, r.col(l, "tcpWinThCnt"))
				}
			}
			if n := r.set.Pcapd.Packets(); n != uint64(len(tc.want)) {
				t.Errorf("pcapd counted %d packets, want %d", n, len(tc.want))
			}
		})
	}
}

// TestTableFull checks the hash autopilot: with a full table the least
// recently used pair is written with RMFLOW_HFULL (section 3).
func TestTableFull(t *testing.T) {
	r := newRig(t, false, withCapacity(2))
	r.feed(0, udpPkt(t, "10.0.0.1", 5000, "10.0.0.2", 6000, 1))
	r.feed(ms, udpPkt(t, "10.0.0.2", 6000, "10.0.0.1", 5000, 1))
	r.feed(2*ms, udpPkt(t, "10.0.0.3", 5000, "10.0.0.4", 6000, 1))
	ls := r.finish()
	got := r.summary(ls)
	want := []string{"A 1 10.0.0.1:5000>10.0.0.2:6000 1", "B 1 10.0.0.2:6000>10.0.0.1:5000 1", "A 2 10.0.0.3:5000>10.0.0.4:6000 1"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if r.status(ls[0])&bitHFull == 0 || r.status(ls[2])&bitHFull != 0 {
		t.Errorf("RMFLOW_HFULL: evicted %#x, new %#x", r.status(ls[0]), r.status(ls[2]))
	}
	if st := r.eng.Stats(); st.AutopilotFlows != 1 {
		t.Errorf("autopilot flows %d, want 1", st.AutopilotFlows)
	}
}

// TestPacketMode checks the -s lines: one per packet, PacketColumns wide,
// with the packet's window and the flow's low-window count so far.
func TestPacketMode(t *testing.T) {
	r := newRig(t, true)
	c := newConn(t)
	r.feed(0, c.c("S", 1000, 0))
	r.feed(ms, c.s("SA", 0, 0))
	r.feed(2*ms, c.c("A", 512, 0))
	r.feed(3*ms, c.s("A", 0, 0))
	// A record of a link type flowtap cannot decode (147, DLT_USER0).
	r.n++
	r.eng.Packet(&capture.Packet{Data: []byte{1, 2, 3, 4}, TsNs: t0 + 4*ms, CapLen: 4, OrigLen: 4, LinkType: 147, Record: 5})
	r.finish()
	ls := r.pkts.get()
	if len(ls) != 5 {
		t.Fatalf("%d packet lines, want 5", len(ls))
	}
	idx := map[string]int{}
	for i, n := range PacketColumns {
		idx[n] = i
	}
	want := []struct{ pktNo, flowInd, time, win, thCnt string }{
		{"1", "1", "1700000000.000000000", "1000", "0"},
		{"2", "1", "1700000000.001000000", "0", "1"},
		{"3", "1", "1700000000.002000000", "512", "0"},
		{"4", "1", "1700000000.003000000", "0", "2"},
		{"5", "0", "1700000000.004000000", "0", "0"},
	}
	for i, l := range ls {
		f := strings.Split(l, "\t")
		if len(f) != len(PacketColumns) {
			t.Fatalf("line %d has %d columns, want %d: %q", i+1, len(f), len(PacketColumns), l)
		}
		w := want[i]
		got := []string{f[idx["pktNo"]], f[idx["flowInd"]], f[idx["time"]], f[idx["tcpWinSize"]], f[idx["tcpWinThPktCnt"]]}
		exp := []string{w.pktNo, w.flowInd, w.time, w.win, w.thCnt}
		if !slices.Equal(got, exp) {
			t.Errorf("line %d: pktNo flowInd time win thCnt = %q, want %q", i+1, got, exp)
		}
	}
	if st := r.eng.Stats(); st.NoFlow != 1 || st.Anomalies.UnknownLink.Count != 1 {
		t.Errorf("no-flow packets %d, unknown link %d; want 1 and 1", st.NoFlow, st.Anomalies.UnknownLink.Count)
	}
}
