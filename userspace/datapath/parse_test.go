package datapath_test

import (
	"net"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// parseCase is one frame and what Parse must make of it. Expected values
// follow from how the frame is built (payload sizes, header sizes) and
// from t2-semantics.md sections 1, 4 and 5.
type parseCase struct {
	name string
	link uint32 // 0 means Ethernet unless nullLink is set
	// nullLink selects LINKTYPE_NULL, whose value is 0.
	nullLink bool
	frame    func(t testing.TB) []byte
	orig     int // wire length; 0 means the frame length
	capLen   int // captured bytes; 0 means the whole frame
	desc     string
	noFlow   bool
	key      gen.FlowtapFlowKey // checked when the packet has a flow
	l7       uint32
	pad      uint32
	tail     int    // trailer bytes after the IP datagram (not padding)
	set      uint64 // status bits that must be set
	clear    uint64 // status bits that must be clear
	check    func(t *testing.T, m *datapath.Meta)
}

// snapBits are the bits a complete, well-formed frame must not carry.
const snapBits = datapath.StatL2SnapLen | datapath.StatL3SnapLen | datapath.StatL3HdrShort |
	datapath.StatL4HdrShort | datapath.StatStopDissect

const (
	v4 = datapath.StatIPv4 | datapath.StatIPv4Pkt
	v6 = datapath.StatIPv6 | datapath.StatIPv6Pkt
)

func runParseCases(t *testing.T, cases []parseCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.frame(t)
			orig := uint32(len(b))
			if c.orig != 0 {
				orig = uint32(c.orig)
			}
			if c.capLen != 0 {
				b = b[:c.capLen]
			}
			link := c.link
			if link == 0 && !c.nullLink {
				link = datapath.LinkEthernet
			}
			m := new(datapath.Meta)
			datapath.Parse(m, b, orig, link)
			if got := desc(m); got != c.desc {
				t.Errorf("hdrDesc %q, want %q", got, c.desc)
			}
			if m.NoFlow != c.noFlow {
				t.Errorf("NoFlow %v, want %v", m.NoFlow, c.noFlow)
			}
			if !c.noFlow {
				if m.Key != c.key {
					t.Errorf("key\n got %+v\nwant %+v", m.Key, c.key)
				}
				if m.L7Len != c.l7 {
					t.Errorf("L7Len %d, want %d", m.L7Len, c.l7)
				}
				if m.PadLen != c.pad {
					t.Errorf("PadLen %d, want %d", m.PadLen, c.pad)
				}
			}
			if miss := c.set &^ m.Status; miss != 0 {
				t.Errorf("status %#016x lacks %#016x", m.Status, miss)
			}
			if extra := c.clear & m.Status; extra != 0 {
				t.Errorf("status %#016x has unexpected %#016x", m.Status, extra)
			}
			if c.check != nil {
				c.check(t, m)
			}
		})
	}
}

func TestParseEthernetTCP(t *testing.T) { runParseCases(t, ethernetTCPCases()) }

func ethernetTCPCases() []parseCase {
	tcp := func(sp, dp uint16) gen.FlowtapFlowKey {
		return keyIP(ip4("10.0.0.1"), ip4("10.0.0.2"), datapath.EthIPv4, 0, sp, dp, datapath.ProtoTCP)
	}
	return []parseCase{
		{
			name:  "ipv4 tcp",
			frame: func(t testing.TB) []byte { return ethTCP4(t, 100) },
			desc:  "eth:ipv4:tcp", key: tcp(40000, 80), l7: 100,
			set:   v4,
			clear: snapBits | datapath.StatL2Flow | datapath.StatIPv6Pkt | datapath.StatL2NoEth | datapath.StatVLAN | datapath.StatFrag,
			check: checkPlainTCP,
		},
		{
			// 54 bytes of headers, padded by the sender to the 60-byte minimum.
			name: "ipv4 tcp pure ack padded",
			frame: func(t testing.TB) []byte {
				th := tcpL(40000, 80)
				th.PSH = false
				return testenv.Serialize(t, ethL(layers.EthernetTypeIPv4), ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolTCP), th)
			},
			desc: "eth:ipv4:tcp", key: tcp(40000, 80), l7: 0, pad: 6, set: v4, clear: snapBits,
			check: func(t *testing.T, m *datapath.Meta) {
				if m.TCPFlags != 0x10 {
					t.Errorf("flags %#x, want ACK", m.TCPFlags)
				}
			},
		},
		{
			// TCP options (data offset 6) and a 10-byte trailer after the IP
			// datagram: L7 comes from the IP total length and data offset.
			name: "ipv4 tcp options and trailer",
			frame: func(t testing.TB) []byte {
				th := tcpL(40000, 80)
				th.Options = []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{5, 0xb4}}}
				b := testenv.Serialize(t, ethL(layers.EthernetTypeIPv4), ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolTCP), th, payload(30))
				return append(b, make([]byte, 10)...)
			},
			desc: "eth:ipv4:tcp", key: tcp(40000, 80), l7: 30, tail: 10, set: v4, clear: snapBits,
		},
		{
			// Snapped to 60 of 154 bytes: the TCP header is whole, the L7
			// length still comes from the IP header (section 5).
			name:  "ipv4 tcp snapped",
			frame: func(t testing.TB) []byte { return ethTCP4(t, 100) },
			orig:  154, capLen: 60,
			desc: "eth:ipv4:tcp", key: tcp(40000, 80), l7: 100,
			set: v4 | datapath.StatL3SnapLen, clear: datapath.StatL4HdrShort | datapath.StatL3HdrShort,
			check: func(t *testing.T, m *datapath.Meta) {
				if !m.TCPValid || m.TCPWin != 512 {
					t.Errorf("tcp valid %v win %d", m.TCPValid, m.TCPWin)
				}
			},
		},
	}
}

func TestParseEthernetIP(t *testing.T) { runParseCases(t, ethernetIPCases()) }

func ethernetIPCases() []parseCase {
	return []parseCase{
		{
			name: "ipv4 udp",
			frame: func(t testing.TB) []byte {
				return testenv.Serialize(t, ethL(layers.EthernetTypeIPv4), ip4L("192.168.1.1", "192.168.1.2", layers.IPProtocolUDP), udpL(5353, 53), payload(30))
			},
			desc: "eth:ipv4:udp", key: keyIP(ip4("192.168.1.1"), ip4("192.168.1.2"), datapath.EthIPv4, 0, 5353, 53, datapath.ProtoUDP),
			l7: 30, set: v4, clear: snapBits | datapath.StatUPNP,
		},
		{
			name: "ipv4 udp ssdp",
			frame: func(t testing.TB) []byte {
				return testenv.Serialize(t, ethL(layers.EthernetTypeIPv4), ip4L("192.168.1.1", "239.255.255.250", layers.IPProtocolUDP), udpL(50000, 1900), payload(80))
			},
			desc: "eth:ipv4:udp:ssdp", key: keyIP(ip4("192.168.1.1"), ip4("239.255.255.250"), datapath.EthIPv4, 0, 50000, 1900, datapath.ProtoUDP),
			l7: 80, set: v4 | datapath.StatUPNP, clear: snapBits,
		},
		{
			// T2 counts the ICMP header as 8 bytes; ports are 0 (section 1).
			name: "ipv4 icmp echo",
			frame: func(t testing.TB) []byte {
				ic := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: 7, Seq: 1}
				return testenv.Serialize(t, ethL(layers.EthernetTypeIPv4), ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolICMPv4), ic, payload(56))
			},
			desc: "eth:ipv4:icmp", key: keyIP(ip4("10.0.0.1"), ip4("10.0.0.2"), datapath.EthIPv4, 0, 0, 0, datapath.ProtoICMP),
			l7: 56, set: v4, clear: snapBits,
		},
		{
			name: "ipv6 icmpv6 echo",
			frame: func(t testing.TB) []byte {
				ic := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeEchoRequest, 0)}
				echo := &layers.ICMPv6Echo{Identifier: 3, SeqNumber: 9}
				return testenv.Serialize(t, ethL(layers.EthernetTypeIPv6), ip6L("2001:db8::1", "2001:db8::2", layers.IPProtocolICMPv6), ic, echo, payload(32))
			},
			desc: "eth:ipv6:icmpv6", key: keyIP(ip6("2001:db8::1"), ip6("2001:db8::2"), datapath.EthIPv6, 0, 0, 0, datapath.ProtoICMPv6),
			l7: 32, set: v6, clear: snapBits | datapath.StatIPv4Pkt,
			check: func(t *testing.T, m *datapath.Meta) {
				if m.L3 != datapath.L3IPv6 || m.TTL != 61 {
					t.Errorf("L3 %d hop limit %d, want 6 61", m.L3, m.TTL)
				}
			},
		},
	}
}

// TestParseEthernetMisc covers IPsec ESP and LLC/SNAP encapsulation.
func TestParseEthernetMisc(t *testing.T) { runParseCases(t, ethernetMiscCases()) }

func ethernetMiscCases() []parseCase {
	return []parseCase{
		{
			name: "esp",
			frame: func(t testing.TB) []byte {
				return testenv.Serialize(t, ethL(layers.EthernetTypeIPv4), ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolESP), payload(60))
			},
			desc: "eth:ipv4:esp", key: keyIP(ip4("10.0.0.1"), ip4("10.0.0.2"), datapath.EthIPv4, 0, 0, 0, datapath.ProtoESP),
			l7: 52, set: v4 | datapath.StatIPsecESP, clear: snapBits,
		},
		{
			name: "llc snap ipv4",
			frame: func(t testing.TB) []byte {
				e := &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: layers.EthernetTypeLLC}
				llc := &layers.LLC{DSAP: 0xaa, SSAP: 0xaa, Control: 3}
				snap := &layers.SNAP{OrganizationalCode: []byte{0, 0, 0}, Type: layers.EthernetTypeIPv4}
				return testenv.Serialize(t, e, llc, snap, ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolUDP), udpL(1000, 2000), payload(40))
			},
			desc: "eth:llc:ipv4:udp", key: keyIP(ip4("10.0.0.1"), ip4("10.0.0.2"), datapath.EthIPv4, 0, 1000, 2000, datapath.ProtoUDP),
			l7: 40, set: v4, clear: snapBits,
			check: func(t *testing.T, m *datapath.Meta) {
				if m.L3Off != 22 {
					t.Errorf("L3Off %d, want 22 (14 + 8 LLC/SNAP)", m.L3Off)
				}
			},
		},
	}
}

func TestParseL2Flows(t *testing.T) { runParseCases(t, l2FlowCases()) }

func l2FlowCases() []parseCase {
	notIP := datapath.StatIPv4 | datapath.StatIPv4Pkt | datapath.StatIPv6 | datapath.StatL2NoEth
	return []parseCase{
		{
			// 14 + 28 bytes padded to 60: L7 is everything after the
			// ethertype (46), padding what follows the ARP message (18).
			name: "arp request 60 bytes", frame: arpFrame(),
			desc: "eth:arp", key: l2Key(datapath.EthARP, 0), l7: 46, pad: 18,
			set: datapath.StatL2Flow | datapath.StatARP, clear: notIP | datapath.StatVLAN,
			check: func(t *testing.T, m *datapath.Meta) {
				if !m.L2Flow || m.L3 != datapath.L3None {
					t.Errorf("L2Flow %v L3 %d, want an L2 flow", m.L2Flow, m.L3)
				}
			},
		},
		{
			// The QinQ reference capture prints vlanID 200;2001 and
			// hdrDesc eth:vlan{2}:arp (t2-semantics.md section 0).
			name: "qinq 88a8 arp",
			frame: arpFrame(
				&layers.Dot1Q{VLANIdentifier: 200, Type: layers.EthernetTypeDot1Q},
				&layers.Dot1Q{VLANIdentifier: 2001, Type: layers.EthernetTypeARP}),
			desc: "eth:vlan{2}:arp", key: l2Key(datapath.EthARP, 2001), l7: 60 - 22, pad: 60 - 22 - 28,
			set: datapath.StatL2Flow | datapath.StatARP | datapath.StatVLAN, clear: notIP,
			check: func(t *testing.T, m *datapath.Meta) {
				if m.NVLANs != 2 || m.VLANs[0] != 200 || m.VLANs[1] != 2001 {
					t.Errorf("VLANs %v (%d), want [200 2001]", m.VLANs, m.NVLANs)
				}
			},
		},
		{
			// Non-ARP L2 frames of at most 64 bytes count everything after
			// the ethertype as padding (T2 packetCapture.c).
			name: "lldp",
			frame: func(t testing.TB) []byte {
				e := &layers.Ethernet{SrcMAC: macA, DstMAC: bcast, EthernetType: layers.EthernetTypeLinkLayerDiscovery}
				return testenv.Serialize(t, e, payload(40))
			},
			desc: "eth:lldp", key: l2Key(datapath.EthLLDP, 0), l7: 46, pad: 46,
			set: datapath.StatL2Flow | datapath.StatLLDP, clear: notIP,
		},
		{
			name: "unknown ethertype 200 bytes",
			frame: func(t testing.TB) []byte {
				e := &layers.Ethernet{SrcMAC: macA, DstMAC: bcast, EthernetType: 0x88b5}
				return testenv.Serialize(t, e, payload(186))
			},
			desc: "eth:data", key: l2Key(0x88b5, 0), l7: 186, pad: 0,
			set: datapath.StatL2Flow, clear: notIP,
		},
	}
}

func TestParseVLAN(t *testing.T) { runParseCases(t, vlanCases()) }

func vlanCases() []parseCase {
	return []parseCase{
		{
			// PCP 7, VID 11: TCI 57355 is kept raw, the key has VID 11.
			name: "one tag", frame: taggedFrame(layers.IPProtocolTCP, &layers.Dot1Q{Priority: 7, VLANIdentifier: 11}),
			desc: "eth:vlan:ipv4:tcp", key: vlanKey(11, datapath.ProtoTCP), l7: 100,
			set: v4 | datapath.StatVLAN, clear: snapBits | datapath.StatVLAN0,
			check: func(t *testing.T, m *datapath.Meta) {
				checkVLANs(57355)(t, m)
				if m.L3Off != 18 {
					t.Errorf("L3Off %d, want 18", m.L3Off)
				}
			},
		},
		{
			name: "two tags",
			frame: taggedFrame(layers.IPProtocolTCP, &layers.Dot1Q{Priority: 3, VLANIdentifier: 100},
				&layers.Dot1Q{DropEligible: true, VLANIdentifier: 200}),
			desc: "eth:vlan{2}:ipv4:tcp", key: vlanKey(200, datapath.ProtoTCP), l7: 100,
			set: v4 | datapath.StatVLAN, clear: snapBits,
			check: checkVLANs(3<<13|100, 1<<12|200),
		},
		{
			name: "three tags",
			frame: taggedFrame(layers.IPProtocolUDP, &layers.Dot1Q{VLANIdentifier: 10},
				&layers.Dot1Q{VLANIdentifier: 20}, &layers.Dot1Q{Priority: 1, VLANIdentifier: 30}),
			desc: "eth:vlan{3}:ipv4:udp", key: vlanKey(30, datapath.ProtoUDP), l7: 100,
			set: v4 | datapath.StatVLAN, clear: snapBits,
			check: checkVLANs(10, 20, 1<<13|30),
		},
		{
			// Only MaxVLANs TCIs are kept; the key still uses the innermost.
			name: "four tags",
			frame: taggedFrame(layers.IPProtocolUDP, &layers.Dot1Q{VLANIdentifier: 10},
				&layers.Dot1Q{VLANIdentifier: 20}, &layers.Dot1Q{VLANIdentifier: 30}, &layers.Dot1Q{VLANIdentifier: 40}),
			desc: "eth:vlan{4}:ipv4:udp", key: vlanKey(40, datapath.ProtoUDP), l7: 100,
			set: v4 | datapath.StatVLAN, clear: snapBits,
			check: checkVLANs(10, 20, 30, 40),
		},
		{
			name:  "priority tag vid 0",
			frame: taggedFrame(layers.IPProtocolUDP, &layers.Dot1Q{Priority: 5}),
			desc:  "eth:vlan:ipv4:udp", key: vlanKey(0, datapath.ProtoUDP), l7: 100,
			set: v4 | datapath.StatVLAN | datapath.StatVLAN0, clear: snapBits,
			check: checkVLANs(5 << 13),
		},
	}
}

func TestParseMPLSPPPoE(t *testing.T) { runParseCases(t, mplsPPPoECases()) }

func mplsPPPoECases() []parseCase {
	return []parseCase{
		{
			name: "mpls two labels ipv4",
			frame: func(t testing.TB) []byte {
				return testenv.Serialize(t, ethL(layers.EthernetTypeMPLSUnicast),
					&layers.MPLS{Label: 100, TTL: 64}, &layers.MPLS{Label: 200, StackBottom: true, TTL: 64},
					ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolUDP), udpL(1000, 2000), payload(20))
			},
			desc: "eth:mpls{2}:ipv4:udp", key: keyIP(ip4("10.0.0.1"), ip4("10.0.0.2"), datapath.EthIPv4, 0, 1000, 2000, datapath.ProtoUDP),
			l7: 20, set: v4 | datapath.StatMPLSUcast, clear: snapBits | datapath.StatMPLSMcast,
			check: func(t *testing.T, m *datapath.Meta) {
				if m.MPLSCnt != 2 || m.L3Off != 22 {
					t.Errorf("MPLSCnt %d L3Off %d, want 2 22", m.MPLSCnt, m.L3Off)
				}
			},
		},
		{
			name: "mpls multicast ipv6",
			frame: func(t testing.TB) []byte {
				return testenv.Serialize(t, ethL(layers.EthernetTypeMPLSMulticast), &layers.MPLS{Label: 7, StackBottom: true, TTL: 1},
					ip6L("2001:db8::1", "ff02::5", layers.IPProtocolUDP), udpL(1000, 2000), payload(20))
			},
			desc: "eth:mpls:ipv6:udp", key: keyIP(ip6("2001:db8::1"), ip6("ff02::5"), datapath.EthIPv6, 0, 1000, 2000, datapath.ProtoUDP),
			l7: 20, set: v6 | datapath.StatMPLSMcast, clear: snapBits,
		},
		{
			name: "pppoe session ipv4",
			frame: func(t testing.TB) []byte {
				return testenv.Serialize(t, ethL(layers.EthernetTypePPPoESession),
					&layers.PPPoE{Version: 1, Type: 1, Code: layers.PPPoECodeSession, SessionId: 0x11},
					&layers.PPP{PPPType: layers.PPPTypeIPv4},
					ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolTCP), tcpL(40000, 80), payload(50))
			},
			desc: "eth:pppoes:ppp:ipv4:tcp", key: keyIP(ip4("10.0.0.1"), ip4("10.0.0.2"), datapath.EthIPv4, 0, 40000, 80, datapath.ProtoTCP),
			l7: 50, set: v4 | datapath.StatPPPoES, clear: snapBits,
			check: func(t *testing.T, m *datapath.Meta) {
				if m.L3Off != 22 {
					t.Errorf("L3Off %d, want 22", m.L3Off)
				}
			},
		},
		{
			name: "pppoe session ipv6",
			frame: func(t testing.TB) []byte {
				return testenv.Serialize(t, ethL(layers.EthernetTypePPPoESession),
					&layers.PPPoE{Version: 1, Type: 1, Code: layers.PPPoECodeSession, SessionId: 0x11},
					&layers.PPP{PPPType: layers.PPPTypeIPv6},
					ip6L("2001:db8::1", "2001:db8::2", layers.IPProtocolUDP), udpL(1000, 2000), payload(50))
			},
			desc: "eth:pppoes:ppp:ipv6:udp", key: keyIP(ip6("2001:db8::1"), ip6("2001:db8::2"), datapath.EthIPv6, 0, 1000, 2000, datapath.ProtoUDP),
			l7: 50, set: v6 | datapath.StatPPPoES, clear: snapBits,
		},
	}
}

// checkPlainTCP checks the fields of the plain Ethernet/IPv4/TCP frame.
func checkPlainTCP(t *testing.T, m *datapath.Meta) {
	t.Helper()
	if m.L3 != datapath.L3IPv4 || m.L3Off != 14 || m.L4Proto != datapath.ProtoTCP {
		t.Errorf("L3 %d L3Off %d L4Proto %d, want 4 14 6", m.L3, m.L3Off, m.L4Proto)
	}
	if !m.TCPValid || !m.TCPWinOK || m.TCPFlags != 0x18 || m.TCPSeq != 1000 || m.TCPAck != 2000 || m.TCPWin != 512 {
		t.Errorf("tcp valid %v winOK %v flags %#x seq %d ack %d win %d", m.TCPValid, m.TCPWinOK, m.TCPFlags, m.TCPSeq, m.TCPAck, m.TCPWin)
	}
	if m.TTL != 64 || m.IPID != 0x1234 || m.FragFirst || m.FragLater || m.FragMore {
		t.Errorf("ttl %d ipid %#x frag %v/%v/%v", m.TTL, m.IPID, m.FragFirst, m.FragLater, m.FragMore)
	}
	if !m.HasMAC || m.SrcMAC != mac(macA) || m.DstMAC != mac(macB) || m.OuterEthType != datapath.EthIPv4 {
		t.Errorf("macs %v %x %x outer %#x", m.HasMAC, m.SrcMAC, m.DstMAC, m.OuterEthType)
	}
}

// arpFrame builds an ARP request from macA to broadcast, behind QinQ
// (0x88a8) tags when vlans are given.
func arpFrame(vlans ...*layers.Dot1Q) func(t testing.TB) []byte {
	return func(t testing.TB) []byte {
		e := &layers.Ethernet{SrcMAC: macA, DstMAC: bcast, EthernetType: layers.EthernetTypeARP}
		ls := []gopacket.SerializableLayer{e}
		if len(vlans) > 0 {
			e.EthernetType = layers.EthernetTypeQinQ
			for _, v := range vlans {
				ls = append(ls, v)
			}
		}
		a := &layers.ARP{
			AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
			HwAddressSize: 6, ProtAddressSize: 4, Operation: layers.ARPRequest,
			SourceHwAddress: macA, SourceProtAddress: net.ParseIP("10.0.0.1").To4(),
			DstHwAddress: make([]byte, 6), DstProtAddress: net.ParseIP("10.0.0.2").To4(),
		}
		return testenv.Serialize(t, append(ls, a)...)
	}
}

// l2Key is the key of an L2 flow from macA to broadcast (section 1).
func l2Key(et, vid uint16) gen.FlowtapFlowKey {
	return gen.FlowtapFlowKey{EthDst: mac(bcast), EthSrc: mac(macA), EthType: et, VlanId: vid}
}

// taggedFrame builds an IPv4 TCP or UDP frame behind 802.1Q tags.
func taggedFrame(proto layers.IPProtocol, tags ...*layers.Dot1Q) func(t testing.TB) []byte {
	return func(t testing.TB) []byte {
		ls := []gopacket.SerializableLayer{ethL(layers.EthernetTypeDot1Q)}
		for i, d := range tags {
			d.Type = layers.EthernetTypeDot1Q
			if i == len(tags)-1 {
				d.Type = layers.EthernetTypeIPv4
			}
			ls = append(ls, d)
		}
		ls = append(ls, ip4L("10.0.0.1", "10.0.0.2", proto))
		if proto == layers.IPProtocolTCP {
			ls = append(ls, tcpL(40000, 80))
		} else {
			ls = append(ls, udpL(1000, 2000))
		}
		return testenv.Serialize(t, append(ls, payload(100))...)
	}
}

// vlanKey is the key of a taggedFrame packet with innermost VID vid.
func vlanKey(vid uint16, proto uint8) gen.FlowtapFlowKey {
	sp, dp := uint16(1000), uint16(2000)
	if proto == datapath.ProtoTCP {
		sp, dp = 40000, 80
	}
	return keyIP(ip4("10.0.0.1"), ip4("10.0.0.2"), datapath.EthIPv4, vid, sp, dp, proto)
}

// checkVLANs checks the raw TCIs kept for a packet, outer first.
func checkVLANs(want ...uint16) func(t *testing.T, m *datapath.Meta) {
	return func(t *testing.T, m *datapath.Meta) {
		t.Helper()
		if int(m.NVLANs) != min(len(want), datapath.MaxVLANs) || int(m.VLANCnt) != len(want) {
			t.Errorf("NVLANs %d VLANCnt %d, want %d tags", m.NVLANs, m.VLANCnt, len(want))
		}
		for i := 0; i < int(m.NVLANs) && i < len(want); i++ {
			if m.VLANs[i] != want[i] {
				t.Errorf("TCI %d = %d, want %d", i, m.VLANs[i], want[i])
			}
		}
		if m.OuterEthType != datapath.EthIPv4 {
			t.Errorf("outer ethertype %#x, want the one after the tags", m.OuterEthType)
		}
	}
}
