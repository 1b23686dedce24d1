package datapath_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/testenv"
)

const sec = uint64(1_000_000_000)

func defaultConfig() datapath.Config {
	return datapath.Config{FlowTimeoutNs: 182 * sec, TCPWinThres: 1, PDEq: true, PDOpp: true}
}

// udpMeta parses an Ethernet/IPv4/UDP frame with l7 payload bytes.
func udpMeta(t testing.TB, l7 int) *datapath.Meta {
	return parse(testenv.Serialize(t, ethL(layers.EthernetTypeIPv4), ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolUDP),
		udpL(1000, 2000), payload(l7)), datapath.LinkEthernet)
}

// feed applies metas to one new flow direction, packet i at ts[i].
func feed(ms []*datapath.Meta, ts []uint64) *datapath.State {
	cfg := defaultConfig()
	st := new(datapath.State)
	for i, m := range ms {
		if i == 0 {
			datapath.InitFlow(st, m, ts[0], &cfg)
		}
		datapath.Update(st, nil, m, ts[i], i == 0, &cfg)
	}
	return st
}

// t2Recurrence is basicStats' running estimator (t2-semantics.md 7.2),
// here in float64: avg starts at x1, then m = x - avg, avg += m/n,
// var += (m*m - var)/n for n = 2, 3, ...
func t2Recurrence(xs []float64) (avg, std float64) {
	avg = xs[0]
	v := 0.0
	for i := 1; i < len(xs); i++ {
		n := float64(i + 1)
		m := xs[i] - avg
		avg += m / n
		v += (m*m - v) / n
	}
	return avg, math.Sqrt(v)
}

func close7(got, want float64) bool {
	return math.Abs(got-want) <= 1e-6*math.Abs(want)+1e-6
}

func TestBasicStatsSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]int, 2000)
	for i := range random {
		random[i] = rng.IntN(1461)
	}
	alt := make([]int, 51)
	for i := range alt {
		alt[i] = 1460 * (i % 2)
	}
	cases := []struct {
		name     string
		sizes    []int
		avg, std string // observed T2 output (%.7g), empty when not published
	}{
		{"published 8 packets", []int{0, 0, 18, 0, 0, 0, 0, 0}, "2.25", "7.148621"},
		{"published 6 packets", []int{0, 0, 100, 1, 50, 0}, "25.16667", "45.77126"},
		{"single packet", []int{1400}, "1400", "0"},
		{"constant", []int{1460, 1460, 1460, 1460, 1460}, "1460", "0"},
		{"alternating", alt, "", ""},
		{"large sizes", []int{65000, 0, 65000, 3, 40000}, "", ""},
		{"random 2000", random, "", ""},
	}
	metas := map[int]*datapath.Meta{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ms := make([]*datapath.Meta, len(c.sizes))
			ts := make([]uint64, len(c.sizes))
			xs := make([]float64, len(c.sizes))
			sum, lo, hi := uint64(0), math.MaxInt, 0
			for i, n := range c.sizes {
				if metas[n] == nil {
					metas[n] = udpMeta(t, n)
				}
				ms[i], ts[i], xs[i] = metas[n], uint64(i)*sec, float64(n)
				sum += uint64(n)
				lo, hi = min(lo, n), max(hi, n)
			}
			st := feed(ms, ts)
			if st.Pkts != uint64(len(c.sizes)) || st.L7Bytes != sum || int(st.MinL7) != lo || int(st.MaxL7) != hi {
				t.Errorf("pkts %d bytes %d min %d max %d, want %d %d %d %d", st.Pkts, st.L7Bytes, st.MinL7, st.MaxL7, len(c.sizes), sum, lo, hi)
			}
			wantAvg, wantStd := t2Recurrence(xs)
			gotAvg := float64(st.L7Bytes) / float64(st.Pkts)
			gotStd := datapath.SizeStd(st.L7VarHi, st.L7VarLo)
			if !close7(gotAvg, wantAvg) || !close7(gotStd, wantStd) {
				t.Errorf("avg %.9g std %.9g, want %.9g %.9g (T2 recurrence)", gotAvg, gotStd, wantAvg, wantStd)
			}
			if c.std != "" {
				if g := fmt.Sprintf("%.7g/%.7g", gotAvg, gotStd); g != c.avg+"/"+c.std {
					t.Errorf("printed %s, T2 printed %s/%s", g, c.avg, c.std)
				}
			}
		})
	}
}

func TestBasicStatsIAT(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	long := []uint64{1_700_000_000 * sec}
	for range 999 {
		long = append(long, long[len(long)-1]+uint64(rng.Int64N(int64(5*sec))))
	}
	cases := []struct {
		name string
		ts   []uint64
	}{
		{"regular", []uint64{0, sec, 2 * sec, 3 * sec}},
		{"irregular", []uint64{0, sec / 2, sec/2 + 1000, 2750 * sec / 1000, 10 * sec, 10 * sec, 10*sec + 1}},
		{"epoch times", []uint64{1_555_002_999_743_518_000, 1_555_003_000_000_000_000, 1_555_003_020_444_552_000}},
		{"backwards", []uint64{10 * sec, 9 * sec, 12 * sec, 12*sec + sec/3}},
		{"random 1000", long},
	}
	m := udpMeta(t, 10)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ms := make([]*datapath.Meta, len(c.ts))
			xs := make([]float64, len(c.ts))
			maxIAT := int64(0)
			for i := range c.ts {
				ms[i] = m
				if i > 0 {
					d := int64(c.ts[i] - c.ts[i-1])
					xs[i] = float64(d) / 1e9
					maxIAT = max(maxIAT, d)
				}
			}
			st := feed(ms, c.ts)
			_, want := t2Recurrence(xs)
			if got := datapath.IATStd(st.IatVarHi, st.IatVarLo); math.Abs(got-want) > 1e-6*want+1e-9 {
				t.Errorf("stdIAT %.9g s, want %.9g s (T2 recurrence, first IAT 0)", got, want)
			}
			if st.MaxIatNs != maxIAT {
				t.Errorf("maxIAT %d ns, want %d", st.MaxIatNs, maxIAT)
			}
			if st.FirstNs != c.ts[0] || st.LastNs != c.ts[len(c.ts)-1] {
				t.Errorf("first %d last %d", st.FirstNs, st.LastNs)
			}
		})
	}
}

// TestUpdateCounters checks the byte and padding sums and InitFlow.
func TestUpdateCounters(t *testing.T) {
	cfg := defaultConfig()
	small := udpMeta(t, 4) // 46 bytes padded to 60: 14 bytes of padding
	big := udpMeta(t, 100)
	st := new(datapath.State)
	datapath.InitFlow(st, small, 5*sec, &cfg)
	if st.FirstNs != 5*sec || st.TimeoutNs != cfg.FlowTimeoutNs || st.Status != datapath.StatIPv4 || st.MinL7 != math.MaxUint16 {
		t.Fatalf("InitFlow: first %d timeout %d status %#x minL7 %d", st.FirstNs, st.TimeoutNs, st.Status, st.MinL7)
	}
	datapath.Update(st, nil, small, 5*sec, true, &cfg)
	datapath.Update(st, nil, big, 6*sec, false, &cfg)
	if st.PadBytes != 14 || st.CapBytes != 60+142 || st.L7Bytes != 104 || st.Pkts != 2 {
		t.Errorf("pad %d cap %d l7 %d pkts %d, want 14 202 104 2", st.PadBytes, st.CapBytes, st.L7Bytes, st.Pkts)
	}
	if st.Status&(datapath.StatIPv4Pkt|datapath.StatIPv4) != datapath.StatIPv4Pkt|datapath.StatIPv4 {
		t.Errorf("status %#x lacks the packet bits", st.Status)
	}
}

// fragMeta builds an Ethernet/IPv4/UDP packet with IP ID id; off > 0 makes
// it a later fragment.
func fragMeta(t testing.TB, id uint16, mf bool, off uint16) *datapath.Meta {
	ip := ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolUDP)
	ip.Id, ip.FragOffset = id, off
	if mf {
		ip.Flags = layers.IPv4MoreFragments
	}
	ls := []gopacket.SerializableLayer{ethL(layers.EthernetTypeIPv4), ip}
	if off == 0 {
		ls = append(ls, udpL(1000, 2000))
	}
	return parse(testenv.Serialize(t, append(ls, payload(80))...), datapath.LinkEthernet)
}

// TestDupIPID follows T2: a new flow does not record its first IP ID, an
// existing flow flags a non-zero ID equal to the previous one, and later
// fragments matched through the fragment table (the flow table sets
// ViaFragTable) are not checked, as every fragment of a datagram carries
// the same ID. A headless fragment is checked like any packet.
func TestDupIPID(t *testing.T) {
	plain := func(id uint16) *datapath.Meta { return fragMeta(t, id, false, 0) }
	matched := func(id uint16, mf bool, off uint16) *datapath.Meta {
		m := fragMeta(t, id, mf, off)
		m.ViaFragTable = true
		return m
	}
	cases := []struct {
		name string
		ms   []*datapath.Meta
		want bool
	}{
		{"first id not recorded", []*datapath.Meta{plain(5), plain(5)}, false},
		{"repeat on existing flow", []*datapath.Meta{plain(5), plain(5), plain(5)}, true},
		{"changing ids", []*datapath.Meta{plain(5), plain(6), plain(7), plain(6)}, false},
		{"later repeat", []*datapath.Meta{plain(5), plain(6), plain(6)}, true},
		{"zero ids", []*datapath.Meta{plain(0), plain(0), plain(0)}, false},
		{"fragments of a new flow", []*datapath.Meta{fragMeta(t, 9, true, 0), matched(9, true, 11), matched(9, false, 22)}, false},
		{"fragments on an existing flow", []*datapath.Meta{plain(1), fragMeta(t, 2, true, 0), matched(2, true, 11), matched(2, false, 22)}, false},
		{"headless fragments", []*datapath.Meta{plain(1), fragMeta(t, 2, true, 11), fragMeta(t, 2, false, 22)}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := make([]uint64, len(c.ms))
			for i := range ts {
				ts[i] = uint64(i) * sec
			}
			st := feed(c.ms, ts)
			if got := st.Status&datapath.StatDupIPID != 0; got != c.want {
				t.Errorf("DUPIPID %v, want %v", got, c.want)
			}
		})
	}
}

// TestBasicFlowHeaders checks the distinct header stacks (at most 4, then
// HDOVRN on every packet, as T2's basicFlow does), MACs and VLAN tags.
func TestBasicFlowHeaders(t *testing.T) {
	vlan := func(vids ...uint16) *datapath.Meta {
		ls := []gopacket.SerializableLayer{ethL(layers.EthernetTypeDot1Q)}
		for i, v := range vids {
			d := &layers.Dot1Q{VLANIdentifier: v, Type: layers.EthernetTypeDot1Q}
			if i == len(vids)-1 {
				d.Type = layers.EthernetTypeIPv4
			}
			ls = append(ls, d)
		}
		ls = append(ls, ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolUDP), udpL(1000, 2000), payload(10))
		return parse(testenv.Serialize(t, ls...), datapath.LinkEthernet)
	}
	plain := udpMeta(t, 10)
	mpls := parse(testenv.Serialize(t, ethL(layers.EthernetTypeMPLSUnicast), &layers.MPLS{Label: 1, StackBottom: true},
		ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolUDP), udpL(1000, 2000), payload(10)), datapath.LinkEthernet)
	ms := []*datapath.Meta{vlan(7, 8), plain, vlan(7, 8), vlan(9), plain, mpls}
	ts := make([]uint64, 8)
	cfg := defaultConfig()
	st := new(datapath.State)
	datapath.InitFlow(st, ms[0], 0, &cfg)
	if st.VlanCnt != 2 || st.VlanTci[0] != 7 || st.VlanTci[1] != 8 {
		t.Errorf("flow VLANs %v (%d), want the first packet's [7 8]", st.VlanTci, st.VlanCnt)
	}
	for i, m := range ms {
		datapath.Update(st, nil, m, ts[i], i == 0, &cfg)
	}
	if st.HdrDescCnt != 4 || st.Status&datapath.StatHdrOverrun != 0 {
		t.Fatalf("after 4 distinct stacks: count %d HDOVRN %v", st.HdrDescCnt, st.Status&datapath.StatHdrOverrun != 0)
	}
	want := []string{"eth:vlan{2}:ipv4:udp", "eth:ipv4:udp", "eth:vlan:ipv4:udp", "eth:mpls:ipv4:udp"}
	for i, w := range want {
		if got := string(datapath.AppendHdrDesc(nil, st.HdrDesc[i][:st.HdrLen[i]])); got != w {
			t.Errorf("stack %d %q, want %q", i, got, w)
		}
	}
	datapath.Update(st, nil, plain, 1, false, &cfg)
	if st.Status&datapath.StatHdrOverrun == 0 {
		t.Error("no HDOVRN once 4 stacks are kept")
	}

	// Source MACs: at most 3 distinct ones are kept.
	st2 := new(datapath.State)
	for i, src := range []byte{1, 2, 1, 3, 4} {
		e := ethL(layers.EthernetTypeIPv4)
		e.SrcMAC = []byte{2, 0, 0, 0, 0, src}
		m := parse(testenv.Serialize(t, e, ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolUDP), udpL(1000, 2000), payload(10)), datapath.LinkEthernet)
		if i == 0 {
			datapath.InitFlow(st2, m, 0, &cfg)
		}
		datapath.Update(st2, nil, m, 0, i == 0, &cfg)
	}
	if st2.SrcMacCnt != 3 || st2.DstMacCnt != 1 || st2.SrcMac[2] != [6]byte{2, 0, 0, 0, 0, 3} {
		t.Errorf("src MACs %d %x, dst MACs %d", st2.SrcMacCnt, st2.SrcMac, st2.DstMacCnt)
	}
}
