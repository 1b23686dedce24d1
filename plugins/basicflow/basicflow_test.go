package basicflow

import (
	"net"
	"strings"
	"testing"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/geo"
	"github.com/flowtap/flowtap/userspace/testenv"
)

func mac(s string) [6]byte {
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 {
		panic("bad mac " + s)
	}
	return [6]byte(hw)
}

// stack builds a hdrDesc entry from header codes.
func stack(hs ...datapath.Hdr) (desc [15]uint8, n uint8) {
	for i, h := range hs {
		desc[i] = uint8(h)
	}
	return desc, uint8(len(hs))
}

// ipFlow returns a one-stack eth:ipv4:tcp flow 192.168.1.2:50000 ->
// 8.8.8.8:80 with one MAC per side; cases modify it.
func ipFlow() *api.Flow {
	k := &gen.FlowtapFlowKey{
		SrcIp: testenv.FlowKeyIP("192.168.1.2"), DstIp: testenv.FlowKeyIP("8.8.8.8"),
		EthType: 0x0800, SrcPort: 50000, DstPort: 80, L4Proto: 6,
	}
	st := &datapath.State{
		Status:  datapath.StatIPv4 | datapath.StatIPv4Pkt,
		FirstNs: 1555002999_743518000,
		LastNs:  1555003001_243518000,
	}
	st.HdrDesc[0], st.HdrLen[0] = stack(datapath.HdrEth, datapath.HdrIPv4, datapath.HdrTCP)
	st.HdrDescCnt = 1
	st.SrcMac[0], st.SrcMacCnt = mac("00:11:22:33:44:55"), 1
	st.DstMac[0], st.DstMacCnt = mac("66:77:88:99:aa:bb"), 1
	return &api.Flow{Dir: 'A', Key: k, State: st}
}

func TestAppendColumns(t *testing.T) {
	tests := []struct {
		name   string
		modify func(f *api.Flow)
		want   []string // the 20 columns of section 7.1, in order
	}{
		{
			name:   "ipv4 tcp, public and private ends",
			modify: func(*api.Flow) {},
			want: []string{"0x0400000000004000", "1555002999.743518000", "1555003001.243518000", "1.500000000",
				"1", "3", "eth:ipv4:tcp", "00:11:22:33:44:55", "66:77:88:99:aa:bb", "0x0800", "",
				"192.168.1.2", "07", `"Private network"`, "50000", "8.8.8.8", "-", `"-"`, "80", "6"},
		},
		{
			// B side of a pair: bit 0 set, printed as part of flowStat.
			name: "inverted flow, zero duration, nanosecond times",
			modify: func(f *api.Flow) {
				f.Dir = 'B'
				f.State.Status |= datapath.StatInvert | datapath.StatAlarm
				f.State.FirstNs, f.State.LastNs = 5, 5
				f.Key.SrcIp, f.Key.DstIp = testenv.FlowKeyIP("10.1.2.3"), testenv.FlowKeyIP("192.168.7.7")
				f.Key.SrcPort, f.Key.DstPort = 443, 1025
			},
			want: []string{"0x0402000000004001", "0.000000005", "0.000000005", "0.000000000",
				"1", "3", "eth:ipv4:tcp", "00:11:22:33:44:55", "66:77:88:99:aa:bb", "0x0800", "",
				"10.1.2.3", "04", `"Private network"`, "443", "192.168.7.7", "07", `"Private network"`, "1025", "6"},
		},
		{
			// L2 flow: no IPs ('-' and "-"), ports 0, protocol 0.
			name: "arp l2 flow",
			modify: func(f *api.Flow) {
				*f.Key = gen.FlowtapFlowKey{EthType: 0x0806,
					EthSrc: mac("00:11:22:33:44:55"), EthDst: mac("ff:ff:ff:ff:ff:ff")}
				f.State.Status = datapath.StatL2Flow | datapath.StatARP
				f.State.HdrDesc[0], f.State.HdrLen[0] = stack(datapath.HdrEth, datapath.HdrARP)
				f.State.DstMac[0] = mac("ff:ff:ff:ff:ff:ff")
			},
			want: []string{"0x0000000000000044", "1555002999.743518000", "1555003001.243518000", "1.500000000",
				"1", "2", "eth:arp", "00:11:22:33:44:55", "ff:ff:ff:ff:ff:ff", "0x0806", "",
				"-", "-", `"-"`, "0", "-", "-", `"-"`, "0", "0"},
		},
		{
			// 802.1ad QinQ: repeated headers folded, both TCIs joined by ';'.
			name: "qinq vlan ids and folded header stack",
			modify: func(f *api.Flow) {
				*f.Key = gen.FlowtapFlowKey{EthType: 0x0806, VlanId: 2001}
				f.State.Status = datapath.StatL2Flow | datapath.StatARP | datapath.StatVLAN
				f.State.HdrDesc[0], f.State.HdrLen[0] = stack(datapath.HdrEth, datapath.HdrVLAN, datapath.HdrVLAN, datapath.HdrARP)
				f.State.VlanTci[0], f.State.VlanTci[1], f.State.VlanCnt = 200, 2001, 2
			},
			want: []string{"0x0000000000000144", "1555002999.743518000", "1555003001.243518000", "1.500000000",
				"1", "4", "eth:vlan{2}:arp", "00:11:22:33:44:55", "66:77:88:99:aa:bb", "0x0806", "200;2001",
				"-", "-", `"-"`, "0", "-", "-", `"-"`, "0", "0"},
		},
		{
			// vlanID prints the raw TCI: PCP 7, VID 11 is 0xe00b = 57355.
			name: "vlan raw tci",
			modify: func(f *api.Flow) {
				f.Key.VlanId = 11
				f.State.Status |= datapath.StatVLAN
				f.State.HdrDesc[0], f.State.HdrLen[0] = stack(datapath.HdrEth, datapath.HdrVLAN, datapath.HdrIPv4, datapath.HdrUDP)
				f.State.VlanTci[0], f.State.VlanCnt = 7<<13|11, 1
				f.Key.L4Proto = 17
			},
			want: []string{"0x0400000000004100", "1555002999.743518000", "1555003001.243518000", "1.500000000",
				"1", "4", "eth:vlan:ipv4:udp", "00:11:22:33:44:55", "66:77:88:99:aa:bb", "0x0800", "57355",
				"192.168.1.2", "07", `"Private network"`, "50000", "8.8.8.8", "-", `"-"`, "80", "17"},
		},
		{
			// Several header stacks and MACs: values joined by ';' in order.
			name: "repeated stacks and macs",
			modify: func(f *api.Flow) {
				f.State.HdrDesc[1], f.State.HdrLen[1] = stack(datapath.HdrEth, datapath.HdrVLAN, datapath.HdrIPv4, datapath.HdrTCP)
				f.State.HdrDescCnt = 2
				f.State.SrcMac[1], f.State.SrcMacCnt = mac("00:11:22:33:44:56"), 2
				f.State.DstMac[1], f.State.DstMac[2], f.State.DstMacCnt = mac("0a:0b:0c:0d:0e:0f"), mac("de:ad:be:ef:00:01"), 3
			},
			want: []string{"0x0400000000004000", "1555002999.743518000", "1555003001.243518000", "1.500000000",
				"2", "3;4", "eth:ipv4:tcp;eth:vlan:ipv4:tcp", "00:11:22:33:44:55;00:11:22:33:44:56",
				"66:77:88:99:aa:bb;0a:0b:0c:0d:0e:0f;de:ad:be:ef:00:01", "0x0800", "",
				"192.168.1.2", "07", `"Private network"`, "50000", "8.8.8.8", "-", `"-"`, "80", "6"},
		},
		{
			name: "ipv6 flow",
			modify: func(f *api.Flow) {
				f.Key.SrcIp, f.Key.DstIp = testenv.FlowKeyIP("2a00:1450:4001:81a::200e"), testenv.FlowKeyIP("2001:4860::8888")
				f.Key.EthType = 0x86dd
				f.Key.L4Proto = 17
				f.Key.SrcPort, f.Key.DstPort = 53000, 53
				f.State.Status = datapath.StatIPv6 | datapath.StatIPv6Pkt
				f.State.HdrDesc[0], f.State.HdrLen[0] = stack(datapath.HdrEth, datapath.HdrIPv6, datapath.HdrUDP)
			},
			want: []string{"0x0800000000008000", "1555002999.743518000", "1555003001.243518000", "1.500000000",
				"1", "3", "eth:ipv6:udp", "00:11:22:33:44:55", "66:77:88:99:aa:bb", "0x86dd", "",
				"2a00:1450:4001:81a::200e", "-", `"-"`, "53000", "2001:4860::8888", "-", `"-"`, "53", "17"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := ipFlow()
			tc.modify(f)
			p := New(geo.NewBuiltin())
			got := string(p.AppendColumns([]byte("X"), f))
			want := "X\t" + strings.Join(tc.want, "\t")
			if got != want {
				t.Errorf("columns differ\n got %q\nwant %q", got, want)
				g, w := strings.Split(got, "\t"), strings.Split(want, "\t")
				for i := 0; i < len(g) && i < len(w); i++ {
					if g[i] != w[i] {
						t.Errorf("column %d: got %q, want %q", i, g[i], w[i])
					}
				}
			}
			if n := strings.Count(got, "\t"); n != len(p.Columns()) {
				t.Errorf("appended %d values, Columns lists %d", n, len(p.Columns()))
			}
		})
	}
}

func TestColumns(t *testing.T) {
	// Names and types of columns 3-22, t2-semantics.md section 7.1.
	want := []struct{ typ, name string }{
		{"H64", "flowStat"}, {"U64.U32", "timeFirst"}, {"U64.U32", "timeLast"}, {"U64.U32", "duration"},
		{"U8", "numHdrDesc"}, {"U16:R", "numHdrs"}, {"SC:R", "hdrDesc"}, {"MAC:R", "srcMac"},
		{"MAC:R", "dstMac"}, {"H16", "ethType"}, {"U16:R", "vlanID"}, {"IPX", "srcIP"},
		{"SC", "srcIPCC"}, {"S", "srcIPOrg"}, {"U16", "srcPort"}, {"IPX", "dstIP"},
		{"SC", "dstIPCC"}, {"S", "dstIPOrg"}, {"U16", "dstPort"}, {"U8", "l4Proto"},
	}
	cols := New(nil).Columns()
	if len(cols) != len(want) {
		t.Fatalf("got %d columns, want %d", len(cols), len(want))
	}
	for i, w := range want {
		t.Run(w.name, func(t *testing.T) {
			if cols[i].Name != w.name || cols[i].Type != w.typ {
				t.Errorf("column %d: got %s %s, want %s %s", i+3, cols[i].Type, cols[i].Name, w.typ, w.name)
			}
			if cols[i].Desc == "" {
				t.Errorf("column %s has no description", w.name)
			}
		})
	}
}

func TestNilGeoUsesBuiltin(t *testing.T) {
	// New(nil) must still know the special ranges (section 7.1).
	got := string(New(nil).AppendColumns(nil, ipFlow()))
	if !strings.Contains(got, "\t192.168.1.2\t07\t\"Private network\"\t") {
		t.Errorf("private source not placed with a nil database: %q", got)
	}
	if rep := New(nil).Report(api.Totals{Packets: 1}); rep != nil {
		t.Errorf("basicFlow has no report lines, got %q", rep)
	}
}
