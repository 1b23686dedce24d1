package capgen

import (
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// TestSampleScenarios checks that the sample contains each case the package
// promises, by looking at the decoded packets rather than at the truth.
func TestSampleScenarios(t *testing.T) {
	v := newSampleView(t)
	tests := []struct {
		name  string
		check func(t *testing.T, v *sampleView)
	}{
		{"addresses from private and documentation ranges", checkAddressRanges},
		{"SYNs carry MSS and window scale", checkSynOptions},
		{"sequence and ack numbers follow the streams", checkSequences},
		{"bulk transfers and FIN teardowns", checkBulkAndTeardown},
		{"zero-window stall then window update", checkZeroWindowRecovery},
		{"connection stuck at window 0", checkZeroWindowStuck},
		{"refused connections with RST/ACK window 0", checkRefused},
		{"SYN/ACK with window 0", checkSynAckZero},
		{"DNS request and response over IPv4 and IPv6", checkDNS},
		{"ICMP echo request and reply", checkICMP},
		{"802.1Q and QinQ tagged TCP", checkVLANs},
		{"IPv6 TCP with one zero window", checkIPv6TCP},
		{"IPv4 UDP datagram in 3 fragments", checkUDPFragments},
		{"IPv4 TCP first fragment carries the header", checkTCPFragments},
		{"ARP request and reply", checkARP},
		{"one connection idle past the flow timeout", checkIdleSplit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, v) })
	}
}

// tcpPkts returns the indices of frames holding a TCP header.
func (v *sampleView) tcpPkts() []int {
	var out []int
	for i, info := range v.infos {
		if v.isIP[i] && info.hasTCP {
			out = append(out, i)
		}
	}
	return out
}

// conv returns a direction-independent key of a conversation.
func conv(k DirKey) DirKey {
	if lessKey(k.Reverse(), k) {
		return k.Reverse()
	}
	return k
}

func checkAddressRanges(t *testing.T, v *sampleView) {
	allowed := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.0.0/16"),
		netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("2001:db8::/32"),
	}
	ok := func(a netip.Addr) bool {
		for _, p := range allowed {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	for i, info := range v.infos {
		if !v.isIP[i] {
			arp := v.pkts[i].pkt.Layer(layers.LayerTypeARP).(*layers.ARP)
			for _, b := range [][]byte{arp.SourceProtAddress, arp.DstProtAddress} {
				if a, _ := netip.AddrFromSlice(b); !ok(a) {
					t.Errorf("packet %d: ARP address %v outside the allowed ranges", i+1, a)
				}
			}
			continue
		}
		for _, a := range []netip.Addr{info.key.Src.Addr(), info.key.Dst.Addr()} {
			if !ok(a) {
				t.Errorf("packet %d: address %v outside the allowed ranges", i+1, a)
			}
		}
	}
}

func checkSynOptions(t *testing.T, v *sampleView) {
	syns := 0
	for _, i := range v.tcpPkts() {
		tcp, _ := v.pkts[i].pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tcp == nil || !tcp.SYN {
			continue
		}
		syns++
		var mss, ws bool
		for _, o := range tcp.Options {
			mss = mss || o.OptionType == layers.TCPOptionKindMSS && len(o.OptionData) == 2
			ws = ws || o.OptionType == layers.TCPOptionKindWindowScale && len(o.OptionData) == 1
		}
		if !mss || !ws {
			t.Errorf("packet %d: SYN options %v lack MSS or window scale", i+1, tcp.Options)
		}
	}
	if syns < 10 {
		t.Errorf("%d SYN segments, want a dozen connections", syns)
	}
}

func checkSequences(t *testing.T, v *sampleView) {
	checkStreams(t, v.infos, v.isIP)
}

func checkBulkAndTeardown(t *testing.T, v *sampleView) {
	full := make(map[DirKey]int)
	fins := make(map[DirKey]bool)
	for _, i := range v.tcpPkts() {
		info := v.infos[i]
		if info.payLen >= 1400 {
			full[info.key]++
		}
		if info.flags&fFIN != 0 {
			fins[info.key] = true
		}
	}
	bulk := 0
	for _, n := range full {
		if n >= 7 {
			bulk++
		}
	}
	if bulk < 2 {
		t.Errorf("%d directions with 7+ full-size segments, want at least 2 bulk transfers", bulk)
	}
	closed := 0
	for k := range fins {
		if fins[k.Reverse()] && lessKey(k, k.Reverse()) {
			closed++
		}
	}
	if closed < 5 {
		t.Errorf("%d connections with FINs both ways, want at least 5", closed)
	}
}

// zeroAcks returns, per TCP direction, the indices of its pure ACKs with window 0.
func (v *sampleView) zeroAcks() map[DirKey][]int {
	out := make(map[DirKey][]int)
	for _, i := range v.tcpPkts() {
		info := v.infos[i]
		if info.window == 0 && info.payLen == 0 && info.flags == fACK {
			out[info.key] = append(out[info.key], i)
		}
	}
	return out
}

func checkZeroWindowRecovery(t *testing.T, v *sampleView) {
	for k, zeros := range v.zeroAcks() {
		if len(zeros) < 2 {
			continue
		}
		update, dataAfter := -1, false
		for _, i := range v.tcpPkts()[0:] {
			info := v.infos[i]
			if i > zeros[len(zeros)-1] && info.key == k && info.window > 0 && update < 0 {
				update = i
			}
			if update >= 0 && i > update && info.key == k.Reverse() && info.payLen > 1 {
				dataAfter = true
			}
		}
		if update >= 0 && dataAfter {
			return
		}
	}
	t.Error("no direction with zero-window ACKs followed by a window update and more data")
}

func checkZeroWindowStuck(t *testing.T, v *sampleView) {
	last := make(map[DirKey]int)
	ended := make(map[DirKey]bool)
	for _, i := range v.tcpPkts() {
		last[v.infos[i].key] = i
		if v.infos[i].flags&(fFIN|fRST) != 0 {
			ended[conv(v.infos[i].key)] = true
		}
	}
	for k, zeros := range v.zeroAcks() {
		if len(zeros) >= 3 && last[k] == zeros[len(zeros)-1] && !ended[conv(k)] {
			return
		}
	}
	t.Error("no open connection whose receiver's last segments all advertise window 0")
}

func checkRefused(t *testing.T, v *sampleView) {
	refused := 0
	for _, i := range v.tcpPkts() {
		info := v.infos[i]
		if info.flags == fRST|fACK && info.window == 0 && v.truth.Dirs[info.key.Reverse()].Packets == 1 {
			refused++
		}
	}
	if refused < 2 {
		t.Errorf("%d refused connections (lone SYN answered by RST/ACK window 0), want 2", refused)
	}
}

func checkSynAckZero(t *testing.T, v *sampleView) {
	for _, i := range v.tcpPkts() {
		if info := v.infos[i]; info.flags == fSYN|fACK && info.window == 0 {
			return
		}
	}
	t.Error("no SYN/ACK with window 0")
}

func checkDNS(t *testing.T, v *sampleView) {
	seen := make(map[[2]bool]bool) // {IPv6, response}
	for i, d := range v.pkts {
		dns, ok := d.pkt.Layer(layers.LayerTypeDNS).(*layers.DNS)
		if !ok {
			continue
		}
		seen[[2]bool{v.infos[i].key.Src.Addr().Is6(), dns.QR}] = true
	}
	for _, want := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
		if !seen[want] {
			t.Errorf("no DNS message with IPv6=%v response=%v", want[0], want[1])
		}
	}
}

func checkICMP(t *testing.T, v *sampleView) {
	req := make(map[[2]uint16]bool)
	replies := 0
	for _, d := range v.pkts {
		icmp, ok := d.pkt.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
		if !ok {
			continue
		}
		switch icmp.TypeCode.Type() {
		case layers.ICMPv4TypeEchoRequest:
			req[[2]uint16{icmp.Id, icmp.Seq}] = true
		case layers.ICMPv4TypeEchoReply:
			if req[[2]uint16{icmp.Id, icmp.Seq}] {
				replies++
			}
		}
	}
	if replies == 0 {
		t.Error("no ICMP echo reply matching an earlier request")
	}
}

func checkVLANs(t *testing.T, v *sampleView) {
	var single, qinq bool
	for _, i := range v.tcpPkts() {
		eth := v.pkts[i].pkt.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
		var tags int
		for _, l := range v.pkts[i].pkt.Layers() {
			if l.LayerType() == layers.LayerTypeDot1Q {
				tags++
			}
		}
		single = single || tags == 1 && eth.EthernetType == layers.EthernetTypeDot1Q
		qinq = qinq || tags == 2 && eth.EthernetType == layers.EthernetTypeQinQ
	}
	if !single || !qinq {
		t.Errorf("802.1Q TCP %v, QinQ TCP %v; want both", single, qinq)
	}
}

func checkIPv6TCP(t *testing.T, v *sampleView) {
	zero := 0
	for _, i := range v.tcpPkts() {
		if info := v.infos[i]; info.key.Src.Addr().Is6() && info.window == 0 {
			zero++
		}
	}
	if zero != 1 {
		t.Errorf("%d IPv6 TCP segments with window 0, want 1", zero)
	}
}

// fragments groups IPv4 fragments by datagram: proto → fragment counts.
func (v *sampleView) fragments(proto layers.IPProtocol) (counts []int, headerInFirst bool) {
	per := make(map[fragID]int)
	var order []fragID
	headerInFirst = true
	for i, info := range v.infos {
		if !v.isIP[i] || !info.firstFrag && !info.laterFrag || info.ipv4.Protocol != proto {
			continue
		}
		ip := info.ipv4
		src, _ := netip.AddrFromSlice(ip.SrcIP.To4())
		dst, _ := netip.AddrFromSlice(ip.DstIP.To4())
		id := fragID{src: src, dst: dst, id: ip.Id, proto: proto}
		if per[id] == 0 {
			order = append(order, id)
			headerInFirst = headerInFirst && info.firstFrag && (proto != layers.IPProtocolTCP || info.hasTCP)
		}
		per[id]++
	}
	for _, id := range order {
		counts = append(counts, per[id])
	}
	return counts, headerInFirst
}

func checkUDPFragments(t *testing.T, v *sampleView) {
	counts, first := v.fragments(layers.IPProtocolUDP)
	if len(counts) != 1 || counts[0] != 3 || !first {
		t.Errorf("UDP fragment counts %v (first carries header: %v), want one datagram in 3", counts, first)
	}
}

func checkTCPFragments(t *testing.T, v *sampleView) {
	counts, first := v.fragments(layers.IPProtocolTCP)
	if len(counts) != 1 || counts[0] < 2 || !first {
		t.Errorf("TCP fragment counts %v (first carries header: %v), want one fragmented segment", counts, first)
	}
}

func checkARP(t *testing.T, v *sampleView) {
	ops := make(map[uint16]int)
	for _, d := range v.pkts {
		if arp, ok := d.pkt.Layer(layers.LayerTypeARP).(*layers.ARP); ok {
			ops[arp.Operation]++
		}
	}
	if ops[layers.ARPRequest] != 1 || ops[layers.ARPReply] != 1 {
		t.Errorf("ARP operations %v, want one request and one reply", ops)
	}
	if v.truth.L2Flows != 2 {
		t.Errorf("truth L2 flows %d, want 2 (broadcast request and unicast reply)", v.truth.L2Flows)
	}
}

func checkIdleSplit(t *testing.T, v *sampleView) {
	lastSeen := make(map[DirKey]int)
	split := make(map[DirKey]bool)
	for i, info := range v.infos {
		if !v.isIP[i] {
			continue
		}
		c := conv(info.key)
		if j, ok := lastSeen[c]; ok && v.pkts[i].ts.Sub(v.pkts[j].ts) >= coreFlowTimeout {
			split[c] = true
		}
		lastSeen[c] = i
	}
	if len(split) != 1 {
		t.Fatalf("%d conversations with an idle gap of at least %v, want 1", len(split), coreFlowTimeout)
	}
	for k, d := range v.truth.Dirs {
		want := 1
		if split[conv(k)] {
			want = 2
			if k.Proto != uint8(layers.IPProtocolTCP) {
				t.Errorf("%v: the idle conversation is not TCP", k)
			}
		}
		if d.Flows != want {
			t.Errorf("%v: truth says %d flows, want %d", k, d.Flows, want)
		}
	}
}
