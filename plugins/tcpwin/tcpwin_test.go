package tcpwin

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/geo"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// v4TCP returns an IPv4 TCP direction from src with tcpPkts TCP packets of
// which low had a window below the threshold.
func v4TCP(src string, tcpPkts, low uint32) *api.Flow {
	k := &gen.FlowtapFlowKey{SrcIp: testenv.FlowKeyIP(src), DstIp: testenv.FlowKeyIP("10.9.9.9"), EthType: 0x0800,
		L4Proto: datapath.ProtoTCP, SrcPort: 40000, DstPort: 80}
	st := &datapath.State{Status: datapath.StatIPv4, Pkts: uint64(tcpPkts), TcpPkts: tcpPkts, WinThCnt: low,
		WinTtl: 64, WinInit: 29200}
	if low > 0 {
		st.WinStat = datapath.TCPWinStatTHU
		st.Status |= datapath.StatAlarm
	}
	return &api.Flow{Dir: 'A', Key: k, State: st}
}

func opts(minPkts uint32, maxIPs int) api.Options {
	return api.Options{TCPWinThres: 1, TCPWinMinPkts: minPkts, TCPWinMaxIPs: maxIPs, Geo: geo.NewBuiltin()}
}

func TestAppendColumns(t *testing.T) {
	tests := []struct {
		name string
		f    *api.Flow
		want string
	}{
		// tcpWinStat tcpWinTtl tcpWinInit tcpWinThCnt tcpWinThRatio (7.4)
		{"two of four low", v4TCP("10.0.0.1", 4, 2), "\t0x01\t64\t29200\t2\t0.5"},
		{"one of seven", v4TCP("10.0.0.1", 7, 1), "\t0x01\t64\t29200\t1\t0.1428571"},
		{"no low window", v4TCP("10.0.0.1", 3, 0), "\t0x00\t64\t29200\t0\t0"},
		// Non-TCP flows: all five zero, and f = 0 without TCP packets.
		{"udp flow", &api.Flow{Key: &gen.FlowtapFlowKey{L4Proto: 17}, State: &datapath.State{Status: datapath.StatIPv4, Pkts: 5}},
			"\t0x00\t0\t0\t0\t0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := New(opts(1, 100))
			if got := string(p.AppendColumns(nil, tc.f)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if n := len(New(opts(1, 1)).Columns()); n != 5 {
		t.Errorf("%d columns, want 5", n)
	}
}

func TestRatio(t *testing.T) {
	if got := Ratio(&datapath.State{}); got != 0 {
		t.Errorf("Ratio without TCP packets = %v, want 0", got)
	}
	if got := Ratio(&datapath.State{TcpPkts: 8, WinThCnt: 2}); got != 0.25 {
		t.Errorf("Ratio(2/8) = %v, want 0.25", got)
	}
}

// TestAlarms checks when tcpWin reports alarms (T2_REPORT_ALARMS): only
// IPv4 TCP directions with winThCnt > 0 and at least TCPWIN_MINPKTS TCP
// packets (section 7.4, checklist 6).
func TestAlarms(t *testing.T) {
	v6 := v4TCP("10.0.0.1", 40, 3)
	v6.Key.SrcIp, v6.Key.DstIp, v6.Key.EthType = testenv.FlowKeyIP("2001:db8::1"), testenv.FlowKeyIP("2001:db8::2"), 0x86dd
	v6.State.Status = v6.State.Status&^datapath.StatIPv4 | datapath.StatIPv6
	udp := v4TCP("10.0.0.1", 40, 0)
	udp.Key.L4Proto = 17
	udp.State.WinThCnt = 3 // impossible in practice; the protocol decides
	l2 := &api.Flow{Key: &gen.FlowtapFlowKey{EthType: 0x0806}, State: &datapath.State{Status: datapath.StatL2Flow, WinThCnt: 1, TcpPkts: 40}}
	tests := []struct {
		name       string
		f          *api.Flow
		minPkts    uint32
		wantAlarms uint64
		wantCalled bool
	}{
		{"ipv4 tcp over minimum", v4TCP("10.0.0.1", 40, 3), 30, 3, true},
		{"ipv4 tcp at minimum", v4TCP("10.0.0.1", 30, 1), 30, 1, true},
		{"ipv4 tcp below minimum", v4TCP("10.0.0.1", 29, 1), 30, 0, false},
		{"one-packet rst flow, minimum 1", v4TCP("10.0.0.1", 1, 1), 1, 1, true},
		{"no low window", v4TCP("10.0.0.1", 40, 0), 30, 0, false},
		{"ipv6 tcp", v6, 30, 0, false},
		{"udp", udp, 30, 0, false},
		{"l2", l2, 30, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := New(opts(tc.minPkts, 100))
			p.Observe(tc.f)
			if tc.f.Alarms != tc.wantAlarms || tc.f.AlarmCalled != tc.wantCalled {
				t.Errorf("alarms %d called %v, want %d %v", tc.f.Alarms, tc.f.AlarmCalled, tc.wantAlarms, tc.wantCalled)
			}
			lines := p.Report(api.Totals{Packets: 100, LowWin: uint64(tc.f.State.WinThCnt)})
			ipLines := 0
			for _, l := range lines {
				if strings.HasPrefix(l, "tcpWin: IP: ") {
					ipLines++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[tc.wantCalled]; ipLines != want {
				t.Errorf("%d IP lines, want %d: %q", ipLines, want, lines)
			}
		})
	}
}

func TestReport(t *testing.T) {
	tests := []struct {
		name   string
		maxIPs int
		flows  []*api.Flow
		totals api.Totals
		want   []string
	}{
		{
			// The tutorial's published run (section 9): 4 low-window packets
			// of 5902 in one flow from 192.168.1.105.
			name: "tutorial example", maxIPs: 100,
			flows:  []*api.Flow{v4TCP("192.168.1.105", 1000, 4), v4TCP("192.168.1.1", 900, 0)},
			totals: api.Totals{Packets: 5902, LowWin: 4},
			want: []string{
				"tcpWin: Aggregated tcpWinStat=0x01",
				"tcpWin: Number of TCP winsize packets below threshold 1: 4 [0.07%]",
				"tcpWin: IP: 192.168.1.105, country: 07, org: Private network",
			},
		},
		{
			// Insertion order, not sorted by f; an IP appears once even when
			// offered again with a higher f; public IPs print "-".
			name: "insertion order and no duplicates", maxIPs: 100,
			flows: []*api.Flow{
				v4TCP("10.0.0.2", 100, 1),
				v4TCP("8.8.8.8", 30, 30),
				v4TCP("10.0.0.2", 30, 15),
			},
			totals: api.Totals{Packets: 200, LowWin: 46},
			want: []string{
				"tcpWin: Aggregated tcpWinStat=0x01",
				"tcpWin: Number of TCP winsize packets below threshold 1: 46 [23.00%]",
				"tcpWin: IP: 10.0.0.2, country: 04, org: Private network",
				"tcpWin: IP: 8.8.8.8, country: -, org: -",
			},
		},
		{
			// TCPWIN_MAXWSCNT caps the table; later IPs are dropped.
			name: "capacity", maxIPs: 2,
			flows: []*api.Flow{
				v4TCP("10.0.0.1", 30, 1), v4TCP("10.0.0.2", 30, 2), v4TCP("10.0.0.3", 30, 30),
			},
			totals: api.Totals{Packets: 90, LowWin: 33},
			want: []string{
				"tcpWin: Aggregated tcpWinStat=0x01",
				"tcpWin: Number of TCP winsize packets below threshold 1: 33 [36.67%]",
				"tcpWin: IP: 10.0.0.1, country: 04, org: Private network",
				"tcpWin: IP: 10.0.0.2, country: 04, org: Private network",
			},
		},
		{
			// Low-window packets in flows below the minimum: the counters
			// print, the IP table stays empty.
			name: "alarm flag without report", maxIPs: 100,
			flows:  []*api.Flow{v4TCP("10.0.0.1", 1, 1)},
			totals: api.Totals{Packets: 10, LowWin: 1},
			want: []string{
				"tcpWin: Aggregated tcpWinStat=0x01",
				"tcpWin: Number of TCP winsize packets below threshold 1: 1 [10.00%]",
			},
		},
		{
			name: "nothing below the threshold", maxIPs: 100,
			flows:  []*api.Flow{v4TCP("10.0.0.1", 50, 0)},
			totals: api.Totals{Packets: 50},
			want:   nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := New(opts(30, tc.maxIPs))
			for _, f := range tc.flows {
				p.Observe(f)
			}
			got := p.Report(tc.totals)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestThresholdInReport(t *testing.T) {
	o := opts(30, 100)
	o.TCPWinThres = 100
	p := New(o)
	p.Observe(v4TCP("10.0.0.1", 10, 2))
	got := p.Report(api.Totals{Packets: 10, LowWin: 2})
	want := "tcpWin: Number of TCP winsize packets below threshold 100: 2 [20.00%]"
	if len(got) < 2 || got[1] != want {
		t.Errorf("got %q, want second line %q", got, want)
	}
}

func TestDefaultCapacity(t *testing.T) {
	p := New(api.Options{TCPWinThres: 1, TCPWinMinPkts: 1}) // TCPWinMaxIPs 0: default 100
	for i := 0; i < 150; i++ {
		p.Observe(v4TCP(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}).String(), 1, 1))
	}
	n := 0
	for _, l := range p.Report(api.Totals{Packets: 150, LowWin: 150}) {
		if strings.HasPrefix(l, "tcpWin: IP: ") {
			n++
		}
	}
	if n != 100 {
		t.Errorf("%d IP lines, want the default TCPWIN_MAXWSCNT of 100", n)
	}
}
