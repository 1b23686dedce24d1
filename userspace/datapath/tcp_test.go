package datapath_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// seg is one TCP segment of a test connection. cli selects the client
// (10.0.0.1:40000) as sender, otherwise the server (10.0.0.2:80) sends.
// flags uses S, A, F, R, P, U.
type seg struct {
	cli      bool
	flags    string
	seq, ack uint32
	win      uint16
	ttl      uint8
}

func tcpSegMeta(t testing.TB, s seg) *datapath.Meta {
	src, dst, sp, dp := "10.0.0.1", "10.0.0.2", uint16(40000), uint16(80)
	if !s.cli {
		src, dst, sp, dp = dst, src, dp, sp
	}
	th := &layers.TCP{
		SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Seq: s.seq, Ack: s.ack, Window: s.win,
		SYN: strings.Contains(s.flags, "S"), ACK: strings.Contains(s.flags, "A"), FIN: strings.Contains(s.flags, "F"),
		RST: strings.Contains(s.flags, "R"), PSH: strings.Contains(s.flags, "P"), URG: strings.Contains(s.flags, "U"),
	}
	ip := ip4L(src, dst, layers.IPProtocolTCP)
	if s.ttl != 0 {
		ip.TTL = s.ttl
	}
	return parse(testenv.Serialize(t, ethL(layers.EthernetTypeIPv4), ip, th), datapath.LinkEthernet)
}

// conn drives both directions of one connection through InitFlow and
// Update as the engine does: a direction is created by its first packet
// and sees its opposite only once that exists.
type conn struct {
	dir     [2]*datapath.State // 0 client, 1 server
	results []datapath.Result
}

func (c *conn) send(t testing.TB, s seg, ts uint64, cfg *datapath.Config) datapath.Result {
	i := 1
	if s.cli {
		i = 0
	}
	m := tcpSegMeta(t, s)
	isNew := c.dir[i] == nil
	if isNew {
		c.dir[i] = new(datapath.State)
		datapath.InitFlow(c.dir[i], m, ts, cfg)
	}
	r := datapath.Update(c.dir[i], c.dir[1-i], m, ts, isNew, cfg)
	c.results = append(c.results, r)
	return r
}

func runConn(t testing.TB, segs []seg, cfg datapath.Config) *conn {
	c := new(conn)
	for i, s := range segs {
		c.send(t, s, uint64(i)*sec/10, &cfg)
	}
	return c
}

// final returns the tcpStatesAFlags column of direction i (0 client).
func (c *conn) final(i int) int {
	if c.dir[i] == nil {
		return -1
	}
	return int(datapath.TCPStatesFinal(c.dir[i], c.dir[1-i]))
}

var (
	synC    = seg{cli: true, flags: "S", seq: 100, win: 1024}
	synAckS = seg{flags: "SA", seq: 500, ack: 101, win: 1024}
	ackC    = seg{cli: true, flags: "A", seq: 101, ack: 501, win: 1024}
	handsh  = []seg{synC, synAckS, ackC}
)

func TestTCPStates(t *testing.T) {
	teardown := []seg{
		{cli: true, flags: "FA", seq: 101, ack: 501, win: 1024},
		{flags: "FA", seq: 501, ack: 102, win: 1024},
		{cli: true, flags: "A", seq: 102, ack: 502, win: 1024},
	}
	cases := []struct {
		name               string
		segs               []seg
		cli, srv           int    // final tcpStatesAFlags, -1 for no direction
		cliTmo, srvTimeout uint64 // timeouts after the last packet
	}{
		{"handshake and fin teardown", slices.Concat(handsh, teardown), 0x00, 0x00, datapath.TimeoutClosed, datapath.TimeoutClosed},
		{"established", handsh, 0x02, 0x02, datapath.TimeoutEstablished, datapath.TimeoutEstablished},
		{"syn only", []seg{synC}, 0x03, -1, datapath.TimeoutNew, 0},
		{"refused", []seg{synC, {flags: "RA", ack: 101}}, 0x03, 0x43, datapath.TimeoutReset, datapath.TimeoutReset},
		{"reset after established", slices.Concat(handsh, []seg{{cli: true, flags: "RA", seq: 101, ack: 501}}),
			0x42, 0x02, datapath.TimeoutReset, datapath.TimeoutReset},
		{"reset after teardown", slices.Concat(handsh, teardown, []seg{{cli: true, flags: "R", seq: 102}}),
			0x4a, 0x02, datapath.TimeoutReset, datapath.TimeoutReset},
		{"packet after reset", []seg{synC, {flags: "RA", ack: 101}, {cli: true, flags: "A", seq: 101}},
			0x13, 0x43, datapath.TimeoutReset, datapath.TimeoutReset},
		{"syn-ack with wrong ack", []seg{synC, {flags: "SA", seq: 500, ack: 999}}, 0x03, 0x03,
			datapath.TimeoutEstablished, datapath.TimeoutEstablished},
		{"half close", slices.Concat(handsh, teardown[:1]), 0x02, 0x02, datapath.TimeoutClosing, datapath.TimeoutEstablished},
		// All six flags: a scan, and an RST without opposite.
		{"xmas scan", []seg{{cli: true, flags: "SAFRPU"}}, 0xc3, -1, 0, 0},
		{"null scan", []seg{{cli: true, flags: ""}}, 0x83, -1, 0, 0},
		{"fin scan", []seg{{cli: true, flags: "F"}}, 0x83, -1, 182 * sec, 0},
		{"rst without opposite", []seg{{cli: true, flags: "R"}}, 0xc3, -1, datapath.TimeoutReset, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cn := runConn(t, c.segs, defaultConfig())
			if got := cn.final(0); got != c.cli {
				t.Errorf("client tcpStatesAFlags %#02x, want %#02x", got, c.cli)
			}
			if got := cn.final(1); got != c.srv {
				t.Errorf("server tcpStatesAFlags %#02x, want %#02x", got, c.srv)
			}
			if c.cliTmo != 0 && cn.dir[0].TimeoutNs != c.cliTmo {
				t.Errorf("client timeout %d, want %d", cn.dir[0].TimeoutNs, c.cliTmo)
			}
			if c.srvTimeout != 0 && cn.dir[1].TimeoutNs != c.srvTimeout {
				t.Errorf("server timeout %d, want %d", cn.dir[1].TimeoutNs, c.srvTimeout)
			}
		})
	}
}

// TestTCPStatesTimeoutSequence follows the timeouts through a connection:
// 120 s after the SYN, 610 s once established, 120 s while closing, 10 s
// once both FINs are acknowledged (section 7.3).
func TestTCPStatesTimeoutSequence(t *testing.T) {
	segs := []seg{synC, synAckS, ackC,
		{cli: true, flags: "FA", seq: 101, ack: 501}, {flags: "A", seq: 501, ack: 102},
		{flags: "FA", seq: 501, ack: 102}, {cli: true, flags: "A", seq: 102, ack: 502}}
	want := [][2]uint64{
		{datapath.TimeoutNew, 0},
		{datapath.TimeoutNew, datapath.TimeoutNew},
		{datapath.TimeoutEstablished, datapath.TimeoutEstablished},
		{datapath.TimeoutClosing, datapath.TimeoutEstablished},
		{datapath.TimeoutClosing, datapath.TimeoutEstablished},
		{datapath.TimeoutClosing, datapath.TimeoutClosing},
		{datapath.TimeoutClosed, datapath.TimeoutClosed},
	}
	cfg := defaultConfig()
	c := new(conn)
	for i, s := range segs {
		c.send(t, s, uint64(i)*sec, &cfg)
		var got [2]uint64
		for d := range 2 {
			if c.dir[d] != nil {
				got[d] = c.dir[d].TimeoutNs
			}
		}
		if got != want[i] {
			t.Errorf("after packet %d (%s): timeouts %v, want %v", i+1, s.flags, got, want[i])
		}
	}
}

func TestTCPWin(t *testing.T) {
	cases := []struct {
		name   string
		thres  uint32
		force  bool
		wins   []uint16
		count  uint32
		remove int // index of the packet that asks for removal, -1 none
	}{
		{"window zero counts", 1, false, []uint16{1024, 0, 1, 0}, 2, -1},
		{"raw window below 100", 100, false, []uint16{512, 99, 100, 0, 65535}, 2, -1},
		{"force mode removes at the second", 1, true, []uint16{1024, 0, 1024, 0}, 2, 3},
		{"force mode one low window", 1, true, []uint16{0, 1024}, 1, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := defaultConfig()
			cfg.TCPWinThres, cfg.ForceMode = c.thres, c.force
			cn := new(conn)
			removed := -1
			for i, w := range c.wins {
				ttl := uint8(64)
				if i > 0 {
					ttl = 50
				}
				r := cn.send(t, seg{cli: true, flags: "A", seq: 101, win: w, ttl: ttl}, uint64(i)*sec, &cfg)
				st := cn.dir[0]
				low := uint32(w) < c.thres
				if r.LowWin != low || !r.TCPCount {
					t.Errorf("packet %d window %d: LowWin %v TCPCount %v", i, w, r.LowWin, r.TCPCount)
				}
				// FL_ALARM is set inside the packet that counts (section 7.4).
				if low && st.Status&datapath.StatAlarm == 0 {
					t.Errorf("packet %d: no FL_ALARM in the low-window packet", i)
				}
				if r.Remove && removed < 0 {
					removed = i
				}
			}
			st := cn.dir[0]
			if st.WinThCnt != c.count || st.TcpPkts != uint32(len(c.wins)) {
				t.Errorf("winThCnt %d numTPkts %d, want %d %d", st.WinThCnt, st.TcpPkts, c.count, len(c.wins))
			}
			if st.WinInit != uint32(c.wins[0]) || st.WinTtl != 64 {
				t.Errorf("winInit %d winTtl %d, want the first packet's %d 64", st.WinInit, st.WinTtl, c.wins[0])
			}
			if (st.WinStat == datapath.TCPWinStatTHU) != (c.count > 0) {
				t.Errorf("tcpWinStat %#x with %d low windows", st.WinStat, c.count)
			}
			if removed != c.remove || (removed >= 0) != (st.Status&datapath.StatRmFlow != 0) {
				t.Errorf("removal asked at packet %d (RMFLOW %v), want %d", removed, st.Status&datapath.StatRmFlow != 0, c.remove)
			}
		})
	}
}

// TestTCPWinFragments: tcpWin looks at first fragments only (section 4).
func TestTCPWinFragments(t *testing.T) {
	cfg := defaultConfig()
	first := func() *datapath.Meta {
		ip := ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolTCP)
		ip.Flags = layers.IPv4MoreFragments
		th := tcpL(40000, 80)
		th.Window = 0
		return parse(testenv.Serialize(t, ethL(layers.EthernetTypeIPv4), ip, th, payload(40)), datapath.LinkEthernet)
	}()
	later := func() *datapath.Meta {
		ip := ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolTCP)
		ip.FragOffset = 8
		return parse(testenv.Serialize(t, ethL(layers.EthernetTypeIPv4), ip, payload(40)), datapath.LinkEthernet)
	}()
	st := new(datapath.State)
	datapath.InitFlow(st, first, 0, &cfg)
	datapath.Update(st, nil, first, 0, true, &cfg)
	r := datapath.Update(st, nil, later, 1, false, &cfg)
	if r.TCPCount || r.LowWin || st.TcpPkts != 1 || st.WinThCnt != 1 {
		t.Errorf("later fragment: TCPCount %v LowWin %v numTPkts %d winThCnt %d, want false false 1 1",
			r.TCPCount, r.LowWin, st.TcpPkts, st.WinThCnt)
	}
}

// TestPcapdSelection replays the two pcapd examples of section 7.5 with
// PD_OPP=1 and PD_OPP=0, and checks that selection is sticky.
func TestPcapdSelection(t *testing.T) {
	d, z := uint16(1024), uint16(0)
	// A 14-packet connection whose client sends window 0 in packet 7.
	long := []seg{
		{cli: true, flags: "S", seq: 100, win: d}, {flags: "SA", seq: 500, ack: 101, win: d},
		{cli: true, flags: "A", seq: 101, ack: 501, win: d}, {cli: true, flags: "PA", seq: 101, ack: 501, win: d},
		{flags: "A", seq: 501, ack: 111, win: d}, {flags: "PA", seq: 501, ack: 111, win: d},
		{cli: true, flags: "A", seq: 111, ack: 601, win: z}, {flags: "PA", seq: 601, ack: 111, win: d},
		{cli: true, flags: "A", seq: 111, ack: 701, win: d}, {cli: true, flags: "PA", seq: 111, ack: 701, win: d},
		{flags: "A", seq: 701, ack: 121, win: d}, {cli: true, flags: "A", seq: 121, ack: 701, win: d},
		{flags: "A", seq: 701, ack: 121, win: d}, {cli: true, flags: "A", seq: 121, ack: 701, win: d},
	}
	// A SYN/ACK with window 0 (packet 2), the ACK, then an RST/ACK with
	// window 0 from the client.
	short := []seg{synC, {flags: "SA", seq: 500, ack: 101, win: z}, ackC, {cli: true, flags: "RA", seq: 101, ack: 501, win: z}}
	cases := []struct {
		name  string
		segs  []seg
		opp   bool
		dumps []int // 1-based packet numbers written by pcapd
	}{
		{"zero window mid-stream PD_OPP=1", long, true, []int{7, 8, 9, 10, 11, 12, 13, 14}},
		{"zero window mid-stream PD_OPP=0", long, false, []int{7, 9, 10, 12, 14}},
		{"zero-window syn-ack PD_OPP=1", short, true, []int{2, 3, 4}},
		{"zero-window syn-ack PD_OPP=0", short, false, []int{2, 4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := defaultConfig()
			cfg.PDOpp = c.opp
			cn := runConn(t, c.segs, cfg)
			var got []int
			for i, r := range cn.results {
				if r.Dump {
					got = append(got, i+1)
				}
			}
			if !slices.Equal(got, c.dumps) {
				t.Errorf("extracted %v, want %v", got, c.dumps)
			}
		})
	}
}

// TestPcapdOppositeLater: with PD_OPP=1 an opposite created after the
// alarm is only selected at the alarmed flow's next packet; PD_OPP never
// sets FL_ALARM on the opposite. With PD_EQ=0 the flows without alarm
// are extracted and the selection stays once made.
func TestPcapdOppositeLater(t *testing.T) {
	cfg := defaultConfig()
	segs := []seg{
		{cli: true, flags: "S", seq: 100, win: 0}, // client alarm, no opposite yet
		{flags: "SA", seq: 500, ack: 101, win: 9}, // server created: not selected
		{flags: "A", seq: 501, ack: 101, win: 9},  // still not selected
		{cli: true, flags: "A", seq: 101, win: 9}, // alarmed client: marks the server
		{flags: "A", seq: 501, ack: 101, win: 9},  // now selected
	}
	cn := runConn(t, segs, cfg)
	want := []bool{true, false, false, true, true}
	for i, r := range cn.results {
		if r.Dump != want[i] {
			t.Errorf("PD_EQ=1 packet %d: dump %v, want %v", i+1, r.Dump, want[i])
		}
	}
	if cn.dir[1].Status&datapath.StatAlarm != 0 {
		t.Error("PD_OPP set FL_ALARM on the opposite")
	}

	cfg.PDEq, cfg.PDOpp = false, false
	cn = runConn(t, []seg{synC, synAckS, {cli: true, flags: "A", seq: 101, ack: 501, win: 0}, ackC}, cfg)
	want = []bool{true, true, true, true}
	for i, r := range cn.results {
		if r.Dump != want[i] {
			t.Errorf("PD_EQ=0 packet %d: dump %v, want %v (sticky once selected)", i+1, r.Dump, want[i])
		}
	}
}
