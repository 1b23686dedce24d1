package datapath_test

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// Tunnels are decapsulated: the innermost IP and L4 headers form the key
// and the whole path goes to hdrDesc (t2-semantics.md section 1).
func TestParseTunnels(t *testing.T) { runParseCases(t, tunnelsCases()) }

// Helpers of the tunnel cases: an outer Ethernet/IPv4 header, inner
// headers, and the expected inner keys.
var (
	tunTCPKey = keyIP(ip4("10.1.1.1"), ip4("10.1.1.2"), datapath.EthIPv4, 0, 1234, 443, datapath.ProtoTCP)
	tunUDPKey = keyIP(ip4("10.1.1.1"), ip4("10.1.1.2"), datapath.EthIPv4, 0, 1111, 2222, datapath.ProtoUDP)
	tunV6Key  = keyIP(ip6("2001:db8::1"), ip6("2001:db8::2"), datapath.EthIPv6, 0, 7000, 8000, datapath.ProtoUDP)
)

type layerList = []gopacket.SerializableLayer

func outer(proto layers.IPProtocol) layerList {
	return layerList{ethL(layers.EthernetTypeIPv4), ip4L("192.0.2.1", "192.0.2.2", proto)}
}

func innerEth() layerList {
	return layerList{&layers.Ethernet{SrcMAC: macC, DstMAC: macD, EthernetType: layers.EthernetTypeIPv4}}
}

func innerTCP() layerList {
	return layerList{ip4L("10.1.1.1", "10.1.1.2", layers.IPProtocolTCP), tcpL(1234, 443), payload(64)}
}

func innerUDP() layerList {
	return layerList{ip4L("10.1.1.1", "10.1.1.2", layers.IPProtocolUDP), udpL(1111, 2222), payload(64)}
}

func one(l gopacket.SerializableLayer) layerList { return layerList{l} }

// build serializes the concatenated layer lists.
func build(parts ...layerList) func(t testing.TB) []byte {
	return func(t testing.TB) []byte {
		var ls layerList
		for _, p := range parts {
			ls = append(ls, p...)
		}
		return testenv.Serialize(t, ls...)
	}
}

func l3off(want uint32) func(t *testing.T, m *datapath.Meta) {
	return func(t *testing.T, m *datapath.Meta) {
		t.Helper()
		if m.L3Off != want {
			t.Errorf("L3Off %d, want %d", m.L3Off, want)
		}
	}
}

// noMACAt checks the L3 offset of a frame without Ethernet header.
func noMACAt(want uint32) func(t *testing.T, m *datapath.Meta) {
	return func(t *testing.T, m *datapath.Meta) {
		t.Helper()
		if m.L3Off != want || m.HasMAC {
			t.Errorf("L3Off %d HasMAC %v, want %d false", m.L3Off, m.HasMAC, want)
		}
	}
}

func tunnelsCases() []parseCase {
	return slices.Concat(greCases(), udpTunnelCases(), ipInIPCases())
}

func greCases() []parseCase {
	return []parseCase{
		{
			name:  "gre ipv4",
			frame: build(outer(layers.IPProtocolGRE), one(&layers.GRE{Protocol: layers.EthernetTypeIPv4}), innerTCP()),
			desc:  "eth:ipv4:gre:ipv4:tcp", key: tunTCPKey, l7: 64,
			set: v4 | datapath.StatGRE, clear: snapBits, check: l3off(14 + 20 + 4),
		},
		{
			name: "gre key and sequence",
			frame: build(outer(layers.IPProtocolGRE),
				one(&layers.GRE{KeyPresent: true, Key: 9, SeqPresent: true, Seq: 1, Protocol: layers.EthernetTypeIPv4}), innerUDP()),
			desc: "eth:ipv4:gre:ipv4:udp", key: tunUDPKey, l7: 64,
			set: v4 | datapath.StatGRE, clear: snapBits, check: l3off(14 + 20 + 12),
		},
		{
			name: "gre transparent ethernet",
			frame: build(outer(layers.IPProtocolGRE),
				one(&layers.GRE{Protocol: layers.EthernetTypeTransparentEthernetBridging}), innerEth(), innerUDP()),
			desc: "eth:ipv4:gre:eth:ipv4:udp", key: tunUDPKey, l7: 64,
			set: v4 | datapath.StatGRE, clear: snapBits, check: l3off(14 + 20 + 4 + 14),
		},
	}
}

func udpTunnelCases() []parseCase {
	return []parseCase{
		{
			name: "vxlan",
			frame: build(outer(layers.IPProtocolUDP), one(udpL(49152, 4789)),
				one(&layers.VXLAN{ValidIDFlag: true, VNI: 42}), innerEth(), innerTCP()),
			desc: "eth:ipv4:udp:vxlan:eth:ipv4:tcp", key: tunTCPKey, l7: 64,
			set: v4 | datapath.StatVXLAN, clear: snapBits, check: l3off(14 + 20 + 8 + 8 + 14),
		},
		{
			name: "geneve ethernet",
			frame: build(outer(layers.IPProtocolUDP), one(udpL(49152, 6081)),
				one(&layers.Geneve{Protocol: layers.EthernetTypeTransparentEthernetBridging, VNI: 7}), innerEth(), innerUDP()),
			desc: "eth:ipv4:udp:geneve:eth:ipv4:udp", key: tunUDPKey, l7: 64,
			set: v4 | datapath.StatGENEVE, clear: snapBits,
		},
		{
			name: "geneve ipv4 with option",
			frame: build(outer(layers.IPProtocolUDP), one(udpL(49152, 6081)),
				one(&layers.Geneve{Protocol: layers.EthernetTypeIPv4, VNI: 7,
					Options: []*layers.GeneveOption{{Class: 0x0102, Type: 0x80, Length: 8, Data: []byte{1, 2, 3, 4}}}}),
				innerUDP()),
			desc: "eth:ipv4:udp:geneve:ipv4:udp", key: tunUDPKey, l7: 64,
			set: v4 | datapath.StatGENEVE, clear: snapBits, check: l3off(14 + 20 + 8 + 8 + 8),
		},
		{
			name: "teredo",
			frame: build(outer(layers.IPProtocolUDP), one(udpL(3544, 50000)),
				one(ip6L("2001:db8::1", "2001:db8::2", layers.IPProtocolUDP)), one(udpL(7000, 8000)), one(payload(32))),
			desc: "eth:ipv4:udp:teredo:ipv6:udp", key: tunV6Key, l7: 32,
			set: v6 | datapath.StatTeredo | datapath.StatIPv4Pkt, clear: snapBits | datapath.StatIPv4,
		},
	}
}

func ipInIPCases() []parseCase {
	return []parseCase{
		{
			name:  "ipv4 in ipv4",
			frame: build(outer(layers.IPProtocolIPv4), innerTCP()),
			desc:  "eth:ipv4{2}:tcp", key: tunTCPKey, l7: 64,
			set: v4 | datapath.StatIPIP, clear: snapBits, check: l3off(34),
		},
		{
			// 6in4: the flow is IPv6 although an IPv4 header was seen.
			name: "ipv6 in ipv4",
			frame: build(outer(layers.IPProtocolIPv6),
				one(ip6L("2001:db8::1", "2001:db8::2", layers.IPProtocolUDP)), one(udpL(7000, 8000)), one(payload(20))),
			desc: "eth:ipv4:ipv6:udp", key: tunV6Key, l7: 20,
			set: v6 | datapath.StatIPIP | datapath.StatIPv4Pkt, clear: snapBits | datapath.StatIPv4,
			check: func(t *testing.T, m *datapath.Meta) {
				if m.L3 != datapath.L3IPv6 {
					t.Errorf("L3 %d, want IPv6", m.L3)
				}
			},
		},
		{
			name: "ipv4 in ipv6",
			frame: build(one(ethL(layers.EthernetTypeIPv6)), one(ip6L("2001:db8::a", "2001:db8::b", layers.IPProtocolIPv4)),
				innerUDP()),
			desc: "eth:ipv6:ipv4:udp", key: tunUDPKey, l7: 64,
			set: v4 | datapath.StatIPIP | datapath.StatIPv6Pkt, clear: snapBits | datapath.StatIPv6,
		},
	}
}

// TestParseLinkTypes covers the link layers other than Ethernet.
func TestParseLinkTypes(t *testing.T) { runParseCases(t, linkTypesCases()) }

func linkTypesCases() []parseCase {
	ipUDP := func(t testing.TB) []byte {
		return testenv.Serialize(t, ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolUDP), udpL(1000, 2000), payload(20))
	}
	ipTCP := func(t testing.TB) []byte {
		return testenv.Serialize(t, ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolTCP), tcpL(40000, 80), payload(20))
	}
	ip6UDP := func(t testing.TB) []byte {
		return testenv.Serialize(t, ip6L("2001:db8::1", "2001:db8::2", layers.IPProtocolUDP), udpL(7000, 8000), payload(20))
	}
	icmp := func(t testing.TB) []byte {
		ic := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: 1, Seq: 1}
		return testenv.Serialize(t, ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolICMPv4), ic, payload(20))
	}
	prefix := func(h []byte, body func(testing.TB) []byte) func(testing.TB) []byte {
		return func(t testing.TB) []byte { return append(append([]byte(nil), h...), body(t)...) }
	}
	be32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	le32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	udp4 := keyIP(ip4("10.0.0.1"), ip4("10.0.0.2"), datapath.EthIPv4, 0, 1000, 2000, datapath.ProtoUDP)
	tcp4 := keyIP(ip4("10.0.0.1"), ip4("10.0.0.2"), datapath.EthIPv4, 0, 40000, 80, datapath.ProtoTCP)
	icmp4 := keyIP(ip4("10.0.0.1"), ip4("10.0.0.2"), datapath.EthIPv4, 0, 0, 0, datapath.ProtoICMP)
	udp6 := keyIP(ip6("2001:db8::1"), ip6("2001:db8::2"), datapath.EthIPv6, 0, 7000, 8000, datapath.ProtoUDP)
	noEth := datapath.StatL2NoEth
	return []parseCase{
		{name: "raw 101 ipv4", link: datapath.LinkRaw, frame: ipUDP, desc: "ipv4:udp", key: udp4, l7: 20, set: v4 | noEth, clear: snapBits, check: noMACAt(0)},
		{name: "raw 12 ipv4", link: datapath.LinkRawOld, frame: ipUDP, desc: "ipv4:udp", key: udp4, l7: 20, set: v4 | noEth, clear: snapBits},
		{name: "raw 14 ipv4", link: datapath.LinkRawAlt, frame: ipUDP, desc: "ipv4:udp", key: udp4, l7: 20, set: v4 | noEth, clear: snapBits},
		{name: "raw 101 ipv6", link: datapath.LinkRaw, frame: ip6UDP, desc: "ipv6:udp", key: udp6, l7: 20, set: v6 | noEth, clear: snapBits},
		{name: "raw 101 bad version", link: datapath.LinkRaw, frame: prefix([]byte{0x50}, ipUDP), desc: "ipvx", noFlow: true, set: datapath.StatIPvX | datapath.StatStopDissect},
		{name: "ipv4 228", link: datapath.LinkIPv4, frame: ipTCP, desc: "ipv4:tcp", key: tcp4, l7: 20, set: v4 | noEth, clear: snapBits},
		{name: "ipv6 229", link: datapath.LinkIPv6, frame: ip6UDP, desc: "ipv6:udp", key: udp6, l7: 20, set: v6 | noEth, clear: snapBits},
		{name: "sll ipv4", link: datapath.LinkSLL, frame: prefix(sllHeader(datapath.EthIPv4), ipTCP), desc: "sll:ipv4:tcp", key: tcp4, l7: 20, set: v4 | noEth, clear: snapBits, check: noMACAt(16)},
		{name: "sll vlan ipv4", link: datapath.LinkSLL, frame: prefix(append(sllHeader(datapath.EthVLAN), 0x00, 0x05, 0x08, 0x00), ipUDP),
			desc: "sll:vlan:ipv4:udp", key: keyIP(ip4("10.0.0.1"), ip4("10.0.0.2"), datapath.EthIPv4, 5, 1000, 2000, datapath.ProtoUDP),
			l7: 20, set: v4 | noEth | datapath.StatVLAN, clear: snapBits, check: noMACAt(20)},
		{
			// Without an Ethernet header there is no MAC pair to key an L2 flow on.
			name: "sll arp", link: datapath.LinkSLL, frame: prefix(sllHeader(datapath.EthARP), func(testing.TB) []byte { return make([]byte, 28) }),
			desc: "sll:arp", noFlow: true, set: noEth | datapath.StatARP, clear: datapath.StatL2Flow,
		},
		{name: "sll2 ipv6", link: datapath.LinkSLL2, frame: prefix(sll2Header(datapath.EthIPv6), ip6UDP), desc: "sll2:ipv6:udp", key: udp6, l7: 20, set: v6 | noEth, clear: snapBits, check: noMACAt(20)},
		{name: "null le ipv4", nullLink: true, frame: prefix(le32(2), icmp), desc: "null:ipv4:icmp", key: icmp4, l7: 20, set: v4 | noEth, clear: snapBits, check: noMACAt(4)},
		{name: "null be ipv4", nullLink: true, frame: prefix(be32(2), icmp), desc: "null:ipv4:icmp", key: icmp4, l7: 20, set: v4 | noEth, clear: snapBits},
		{name: "null ipv6 linux", nullLink: true, frame: prefix(le32(10), ip6UDP), desc: "null:ipv6:udp", key: udp6, l7: 20, set: v6 | noEth, clear: snapBits},
		{name: "null ipv6 bsd", nullLink: true, frame: prefix(le32(24), ip6UDP), desc: "null:ipv6:udp", key: udp6, l7: 20, set: v6 | noEth, clear: snapBits},
		{name: "null ipv6 freebsd", nullLink: true, frame: prefix(le32(28), ip6UDP), desc: "null:ipv6:udp", key: udp6, l7: 20, set: v6 | noEth, clear: snapBits},
		{name: "null ipv6 darwin be", nullLink: true, frame: prefix(be32(30), ip6UDP), desc: "null:ipv6:udp", key: udp6, l7: 20, set: v6 | noEth, clear: snapBits},
		{name: "loop ipv4", link: datapath.LinkLoop, frame: prefix(be32(2), ipUDP), desc: "null:ipv4:udp", key: udp4, l7: 20, set: v4 | noEth, clear: snapBits},
		{name: "null unknown family", nullLink: true, frame: prefix(le32(99), ipUDP), desc: "null", noFlow: true, set: noEth | datapath.StatStopDissect},
		{name: "unknown link type", link: 147, frame: ipUDP, desc: "", noFlow: true, set: noEth | datapath.StatStopDissect},
	}
}
