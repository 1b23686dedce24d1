package basicstats

import (
	"net"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/export"
	"github.com/flowtap/flowtap/userspace/geo"
	"github.com/flowtap/flowtap/userspace/testenv"
)

const sec = uint64(1_000_000_000)

// flow returns an IPv4 TCP direction from src with the given counters,
// lasting dur nanoseconds.
func flow(src string, pkts, l7 uint64, dur uint64) *api.Flow {
	k := &gen.FlowtapFlowKey{SrcIp: testenv.FlowKeyIP(src), DstIp: testenv.FlowKeyIP("8.8.8.8"), EthType: 0x0800, L4Proto: 6}
	st := &datapath.State{
		Status: datapath.StatIPv4, Pkts: pkts, L7Bytes: l7,
		FirstNs: 1000 * sec, LastNs: 1000*sec + dur,
	}
	return &api.Flow{Dir: 'A', Key: k, State: st}
}

func TestCompute(t *testing.T) {
	tests := []struct {
		name string
		f    func() *api.Flow
		want Stats
	}{
		{
			name: "pair",
			f: func() *api.Flow {
				f := flow("10.0.0.1", 3, 300, 2*sec)
				f.Opp = &datapath.State{Pkts: 1, L7Bytes: 100}
				return f
			},
			want: Stats{AvgSize: 100, AvgIAT: 2.0 / 3, Pktps: 1.5, Bytps: 150, PktAsm: 0.5, BytAsm: 0.5, RcvdPkts: 1, RcvdBytes: 100},
		},
		{
			// B side of a pair: bit 0 set but an opposite exists, no flip.
			name: "inverted with opposite keeps the sign",
			f: func() *api.Flow {
				f := flow("10.0.0.1", 1, 0, 0)
				f.State.Status |= datapath.StatInvert
				f.Opp = &datapath.State{Pkts: 3, L7Bytes: 60}
				return f
			},
			want: Stats{PktAsm: -0.5, BytAsm: -1, RcvdPkts: 3, RcvdBytes: 60},
		},
		{
			// Section 7.2: pktAsm is -1 for an inverted singleton; bytAsm is
			// not flipped. Zero duration gives zero rates.
			name: "inverted singleton",
			f: func() *api.Flow {
				f := flow("10.0.0.1", 1, 605, 0)
				f.State.Status |= datapath.StatInvert
				return f
			},
			want: Stats{AvgSize: 605, PktAsm: -1, BytAsm: 1},
		},
		{
			name: "plain singleton",
			f:    func() *api.Flow { return flow("10.0.0.1", 2, 0, sec/2) },
			want: Stats{AvgIAT: 0.25, Pktps: 4, PktAsm: 1},
		},
		{
			name: "zero duration pair gives zero rates",
			f: func() *api.Flow {
				f := flow("10.0.0.1", 2, 10, 0)
				f.Opp = &datapath.State{Pkts: 2, L7Bytes: 30}
				return f
			},
			want: Stats{AvgSize: 5, PktAsm: 0, BytAsm: -0.5, RcvdPkts: 2, RcvdBytes: 30},
		},
		{
			name: "max iat",
			f: func() *api.Flow {
				f := flow("10.0.0.1", 4, 8, 4*sec)
				f.State.MaxIatNs = int64(3 * sec / 2)
				return f
			},
			want: Stats{AvgSize: 2, MaxIAT: 1.5, AvgIAT: 1, Pktps: 1, Bytps: 2, PktAsm: 1, BytAsm: 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Compute(tc.f())
			if !sameStats(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// sameStats compares as the flows file prints (float32, %.7g).
func sameStats(a, b Stats) bool {
	fa := []float64{a.AvgSize, a.StdSize, a.MaxIAT, a.AvgIAT, a.StdIAT, a.Pktps, a.Bytps, a.PktAsm, a.BytAsm}
	fb := []float64{b.AvgSize, b.StdSize, b.MaxIAT, b.AvgIAT, b.StdIAT, b.Pktps, b.Bytps, b.PktAsm, b.BytAsm}
	for i := range fa {
		if string(export.AppendFloat(nil, fa[i])) != string(export.AppendFloat(nil, fb[i])) {
			return false
		}
	}
	return a.RcvdPkts == b.RcvdPkts && a.RcvdBytes == b.RcvdBytes
}

func TestAppendColumns(t *testing.T) {
	f := flow("10.0.0.1", 4, 150, 2*sec)
	f.State.PadBytes = 6
	f.State.MinL7, f.State.MaxL7 = 0, 100
	f.State.MaxIatNs = int64(3 * sec / 2)
	f.Opp = &datapath.State{Pkts: 2, L7Bytes: 50}
	// pktsSnt pktsRcvd padBytesSnt l7BytesSnt l7BytesRcvd minL7 maxL7 avg std
	// minIAT maxIAT avgIAT stdIAT pktps bytps pktAsm bytAsm (section 7.2)
	want := "\t4\t2\t6\t150\t50\t0\t100\t37.5\t0\t0\t1.5\t0.5\t0\t2\t75\t0.3333333\t0.5"
	p := New(nil)
	got := string(p.AppendColumns(nil, f))
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if n := strings.Count(got, "\t"); n != len(p.Columns()) || n != 17 {
		t.Errorf("appended %d values, Columns lists %d, section 7.2 has 17", n, len(p.Columns()))
	}
}

// tcpFrame builds an Ethernet/IPv4/TCP ACK with payload bytes of data.
func tcpFrame(t *testing.T, payload int) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 1, 2, 3, 4, 5}, DstMAC: net.HardwareAddr{0, 1, 2, 3, 4, 6},
		EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP,
		SrcIP: net.IP{10, 0, 0, 1}, DstIP: net.IP{10, 0, 0, 2}}
	tcp := &layers.TCP{SrcPort: 40000, DstPort: 80, ACK: true, Window: 1000, Seq: 1, Ack: 1}
	return testenv.SerializeWithChecksums(t, eth, ip, tcp, gopacket.Payload(make([]byte, payload)))
}

// TestRunningEstimator feeds the worked examples of section 7.2 through the
// per-packet update and checks the printed avg/std columns. The sizes and
// their avg/std are T2 output [obs]; the IAT figures follow the same
// recurrence on 1 s gaps (IATs 0, 1, 1, ...), computed by hand.
func TestRunningEstimator(t *testing.T) {
	tests := []struct {
		name     string
		sizes    []int
		times    []uint64 // ns after the first packet; nil: 1 s apart
		avg, std string
		avgIAT   string
		stdIAT   string // "" where float32 and exact arithmetic print differently
		maxIAT   string
	}{
		{name: "sizes 0 0 18 0 0 0 0 0", sizes: []int{0, 0, 18, 0, 0, 0, 0, 0},
			avg: "2.25", std: "7.148621", avgIAT: "0.875", stdIAT: "0.4347121", maxIAT: "1"},
		{name: "sizes 0 0 100 1 50 0", sizes: []int{0, 0, 100, 1, 50, 0},
			avg: "25.16667", std: "45.77126", avgIAT: "0.8333333", maxIAT: "1"},
		// IATs 0, 1, 2: mean 1; recurrence var = 0.5 + (2.25-0.5)/3.
		{name: "iats 0 1 2", sizes: []int{10, 10, 10}, times: []uint64{0, sec, 3 * sec},
			avg: "10", std: "0", avgIAT: "1", stdIAT: "1.040833", maxIAT: "2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var st datapath.State
			var m datapath.Meta
			cfg := datapath.Config{FlowTimeoutNs: 182 * sec, TCPWinThres: 1, PDEq: true}
			for i, n := range tc.sizes {
				ts := 1000*sec + uint64(i)*sec
				if tc.times != nil {
					ts = 1000*sec + tc.times[i]
				}
				data := tcpFrame(t, n)
				datapath.Parse(&m, data, uint32(len(data)), datapath.LinkEthernet)
				if i == 0 {
					datapath.InitFlow(&st, &m, ts, &cfg)
				}
				datapath.Update(&st, nil, &m, ts, i == 0, &cfg)
			}
			k := &gen.FlowtapFlowKey{EthType: 0x0800, L4Proto: 6}
			cols := strings.Split(string(New(nil).AppendColumns(nil, &api.Flow{Key: k, State: &st})), "\t")[1:]
			got := map[string]string{"avg": cols[7], "std": cols[8], "minIAT": cols[9], "maxIAT": cols[10], "avgIAT": cols[11], "stdIAT": cols[12]}
			want := map[string]string{"avg": tc.avg, "std": tc.std, "minIAT": "0", "maxIAT": tc.maxIAT, "avgIAT": tc.avgIAT, "stdIAT": tc.stdIAT}
			for k, w := range want {
				if w == "" && k == "stdIAT" {
					continue
				}
				if got[k] != w {
					t.Errorf("%s: got %s, want %s (t2-semantics.md 7.2)", k, got[k], w)
				}
			}
		})
	}
}

func l2Flow(src string, pkts, l7 uint64) *api.Flow {
	hw, err := net.ParseMAC(src)
	if err != nil {
		panic(err)
	}
	k := &gen.FlowtapFlowKey{EthSrc: [6]byte(hw), EthType: 0x0806}
	st := &datapath.State{Status: datapath.StatL2Flow | datapath.StatARP, Pkts: pkts, L7Bytes: l7}
	return &api.Flow{Dir: 'A', Key: k, State: st}
}

func TestReport(t *testing.T) {
	tests := []struct {
		name   string
		flows  []*api.Flow
		totals api.Totals
		want   []string
	}{
		{
			// The single-packet capture of section 8: 605 L7 bytes of 663
			// captured bytes print 91.25% (the talker quirk).
			name:   "single inverted packet",
			flows:  []*api.Flow{func() *api.Flow { f := flow("192.168.1.2", 1, 605, 0); f.State.Status |= 1; return f }()},
			totals: api.Totals{Packets: 1, FlowBytes: 663},
			want: []string{
				"basicStats: Flow max(pktload): 605",
				"basicStats: Flow max(b/s), pkts: 0, 0",
				"basicStats: Biggest L3 flow talker: 192.168.1.2: 1 [100.00%] packets",
				"basicStats: Biggest L3 flow talker: 192.168.1.2: 605 [91.25%] bytes",
			},
		},
		{
			// max(pktload) is the largest average, truncated (36.5 -> 36 would
			// lose to 135 here); max(b/s) is bytps*8 of the fastest flow with
			// its packets: 540 bytes in 10 s = 432 b/s, 4 packets.
			// Talkers are single directions, not per-host sums: 10.0.0.1 has
			// 3+3 packets in two flows, 10.0.0.2 has 5 in one. L2 talkers are
			// named by source MAC; byte percentages are over captured bytes.
			name: "maxima and talkers",
			flows: []*api.Flow{
				flow("10.0.0.1", 3, 0, 10*sec),
				flow("10.0.0.1", 3, 0, 10*sec),
				flow("10.0.0.2", 5, 0, 10*sec),
				flow("10.0.0.3", 4, 540, 10*sec),
				flow("10.0.0.4", 2, 73, 1000*sec),
				l2Flow("00:11:22:33:44:55", 2, 40),
				l2Flow("00:11:22:33:44:66", 1, 50),
			},
			totals: api.Totals{Packets: 91, FlowBytes: 7237},
			want: []string{
				"basicStats: Flow max(pktload): 135",
				"basicStats: Flow max(b/s), pkts: 432, 4",
				"basicStats: Biggest L2 flow talker: 00:11:22:33:44:55: 2 [2.20%] packets",
				"basicStats: Biggest L2 flow talker: 00:11:22:33:44:66: 50 [0.69%] bytes",
				"basicStats: Biggest L3 flow talker: 10.0.0.2: 5 [5.49%] packets",
				"basicStats: Biggest L3 flow talker: 10.0.0.3: 540 [7.46%] bytes",
			},
		},
		{
			// Average 36.5 truncates to 36.
			name:   "truncated load",
			flows:  []*api.Flow{flow("10.0.0.4", 2, 73, 0)},
			totals: api.Totals{Packets: 2, FlowBytes: 200},
			want: []string{
				"basicStats: Flow max(pktload): 36",
				"basicStats: Flow max(b/s), pkts: 0, 0",
				"basicStats: Biggest L3 flow talker: 10.0.0.4: 2 [100.00%] packets",
				"basicStats: Biggest L3 flow talker: 10.0.0.4: 73 [36.50%] bytes",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := New(geo.NewBuiltin())
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

// TestReportRateShortForm checks the synthetic capture's max(b/s) line,
// 10981 b/s with its packet count.
func TestReportRateShortForm(t *testing.T) {
	p := New(nil)
	p.Observe(flow("10.0.0.9", 30, 21962, 16*sec)) // 1372.625 B/s
	p.Observe(flow("10.0.0.1", 7, 73, 2*sec))
	got := p.Report(api.Totals{Packets: 37, FlowBytes: 40000})
	want := "basicStats: Flow max(b/s), pkts: 10981 (10.98 Kb/s), 30"
	if len(got) < 2 || got[1] != want {
		t.Errorf("got %q, want line 2 %q", got, want)
	}
}
