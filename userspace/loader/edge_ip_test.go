//go:build linux

package loader_test

import (
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/gen"
)

// TestIPv6ExtensionChains walks chains of every extension header kind the
// parser knows, up to and past MAX_IPV6_EXT (8), ending in UDP, TCP or
// nothing, and cut in the middle.
func TestIPv6ExtensionChains(t *testing.T) {
	const (
		hop  = layers.IPProtocolIPv6HopByHop
		dst  = layers.IPProtocolIPv6Destination
		rt   = layers.IPProtocolIPv6Routing
		frag = layers.IPProtocolIPv6Fragment
		ah   = layers.IPProtocolAH
		mob  = layers.IPProtocol(135)
		udpP = layers.IPProtocolUDP
		none = layers.IPProtocolNoNextHeader
	)
	type hdr struct {
		kind  layers.IPProtocol
		units int // length field
	}
	chains := map[string][]hdr{
		"hop":                {{hop, 0}},
		"hop-dst-routing":    {{hop, 0}, {dst, 1}, {rt, 2}},
		"mobility":           {{mob, 1}},
		"ah":                 {{ah, 4}},
		"first-fragment":     {{frag, 0}},
		"dst-routing-ah-dst": {{dst, 0}, {rt, 0}, {ah, 1}, {dst, 3}},
		"eight":              {{hop, 0}, {dst, 0}, {rt, 0}, {dst, 0}, {mob, 0}, {ah, 1}, {dst, 0}, {rt, 0}},
		"nine":               {{hop, 0}, {dst, 0}, {rt, 0}, {dst, 0}, {mob, 0}, {ah, 1}, {dst, 0}, {rt, 0}, {dst, 0}},
	}
	for name, chain := range chains {
		for _, last := range []layers.IPProtocol{udpP, layers.IPProtocolTCP, none} {
			t.Run(name+"/"+last.String(), func(t *testing.T) {
				p := newEdgePair(t)
				first := last
				if len(chain) > 0 {
					first = chain[0].kind
				}
				ls := []gopacket.SerializableLayer{eth(layers.EthernetTypeIPv6), ip6(ip6A, ip6B, first)}
				for i, h := range chain {
					next := last
					if i+1 < len(chain) {
						next = chain[i+1].kind
					}
					switch h.kind {
					case ah:
						ls = append(ls, ah6(next, h.units))
					case frag:
						ls = append(ls, frag6(next, 0, true, 0xabcd))
					default:
						ls = append(ls, ext6(next, h.units))
					}
				}
				switch last {
				case udpP:
					ls = append(ls, udp(5000, 6000), payload(10))
				case layers.IPProtocolTCP:
					ls = append(ls, tcpSeg(5000, 6000, "S", 9, 0, 100))
				}
				f := frame(t, ls...)
				for n := 54; n <= len(f); n += 4 {
					p.packet(f[:n], uint32(len(f)), uint64(n))
				}
				k, _ := p.packet(f, uint32(len(f)), 1<<40)
				if len(chain) <= 8 && last != none && k.Key.SrcPort != 5000 {
					t.Errorf("whole packet: source port %d, want 5000 behind %d extension headers", k.Key.SrcPort, len(chain))
				}
				if len(chain) > 8 && k.Key.SrcPort != 0 {
					t.Errorf("whole packet: source port %d, want 0 past the walk bound", k.Key.SrcPort)
				}
			})
		}
	}
}

// TestFragments sends fragmented datagrams in order, out of order, with a
// missing head, with reused IDs and interleaved flows, over IPv4 and IPv6.
func TestFragments(t *testing.T) {
	v4 := func(t *testing.T, id, off uint16, more bool, first bool) []byte {
		if first {
			return frame(t, eth(layers.EthernetTypeIPv4), frag4(layers.IPProtocolUDP, id, off, more), udp(2049, 800), payload(64))
		}
		return frame(t, eth(layers.EthernetTypeIPv4), frag4(layers.IPProtocolUDP, id, off, more), payload(72))
	}
	v6 := func(t *testing.T, id uint32, off uint16, more bool, first bool) []byte {
		if first {
			return frame(t, eth(layers.EthernetTypeIPv6), ip6(ip6A, ip6B, layers.IPProtocolIPv6Fragment),
				frag6(layers.IPProtocolUDP, off, more, id), udp(4000, 4001), payload(64))
		}
		return frame(t, eth(layers.EthernetTypeIPv6), ip6(ip6A, ip6B, layers.IPProtocolIPv6Fragment),
			frag6(layers.IPProtocolUDP, off, more, id), payload(72))
	}
	t.Run("ipv4-in-order", func(t *testing.T) {
		p := newEdgePair(t)
		r := p.frames(1, v4(t, 7, 0, true, true), v4(t, 7, 9, true, false), v4(t, 7, 18, false, false))
		if r[1].ViaFrag != 1 || r[2].ViaFrag != 1 || r[1].Key.SrcPort != 2049 {
			t.Errorf("later fragments: via_frag %d %d key %+v, want the first fragment's flow", r[1].ViaFrag, r[2].ViaFrag, r[1].Key)
		}
		if st := p.kernelState(r[0].Key); st.Status&(1<<39) != 0 || st.Pkts != 3 {
			t.Errorf("after the last fragment: status %#x pkts %d, want not pending, 3 packets", st.Status, st.Pkts)
		}
	})
	t.Run("ipv4-head-missing", func(t *testing.T) {
		p := newEdgePair(t)
		r := p.frames(1, v4(t, 8, 9, true, false), v4(t, 8, 0, true, true), v4(t, 8, 18, false, false))
		if r[0].Headless != 1 || r[0].Key.SrcPort != 0 {
			t.Errorf("later fragment first: headless %d key %+v, want a portless headless flow", r[0].Headless, r[0].Key)
		}
	})
	t.Run("ipv4-reused-id-and-interleaved", func(t *testing.T) {
		p := newEdgePair(t)
		p.frames(1, v4(t, 9, 0, true, true), v4(t, 9, 0, true, true), v4(t, 10, 0, true, true),
			v4(t, 9, 9, false, false), v4(t, 10, 9, true, false), v4(t, 10, 18, false, false), v4(t, 10, 18, false, false),
			frame(t, eth(layers.EthernetTypeIPv4), ip4(ipA, ipB, layers.IPProtocolUDP), udp(2049, 800), payload(8)))
	})
	t.Run("ipv6", func(t *testing.T) {
		p := newEdgePair(t)
		r := p.frames(1, v6(t, 0x11223344, 0, true, true), v6(t, 0x11223344, 9, true, false), v6(t, 0x11223344, 18, false, false),
			v6(t, 0x55, 9, false, false), v6(t, 0x66, 0, false, true))
		if r[1].ViaFrag != 1 || r[3].Headless != 1 {
			t.Errorf("via_frag %d headless %d, want 1 and 1", r[1].ViaFrag, r[3].Headless)
		}
	})
}

// TestNonIP checks L2 flows (keyed by MACs and ethertype, with A/B
// pairing) and the punted L2 encapsulations.
func TestNonIP(t *testing.T) {
	arp := func(op uint16, src, dst []byte) []byte {
		return frame(t, &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeARP},
			&layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
				Operation: op, SourceHwAddress: src, SourceProtAddress: ipA, DstHwAddress: dst, DstProtAddress: ipB})
	}
	t.Run("arp-request-reply", func(t *testing.T) {
		p := newEdgePair(t)
		r := p.frames(1, arp(1, macA, macB), arp(2, macB, macA), arp(1, macA, macB))
		if r[0].Key.EthType != 0x0806 || r[0].Key.EthSrc != [6]byte(macA) || r[0].Key.EthDst != [6]byte(macB) {
			t.Errorf("request key %+v, want an ARP L2 flow keyed by the MACs", r[0].Key)
		}
		if r[1].Created != 1 || r[1].Opp != 1 || r[1].FlowInd != r[0].FlowInd {
			t.Errorf("reply: created %d opp %d flowInd %d, want a B flow of flowInd %d", r[1].Created, r[1].Opp, r[1].FlowInd, r[0].FlowInd)
		}
	})
	t.Run("other-ethertypes", func(t *testing.T) {
		p := newEdgePair(t)
		lldp := frame(t, &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: layers.EthernetTypeLinkLayerDiscovery}, payload(40))
		unknown := frame(t, &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: 0x88b5}, payload(10))
		pppoed := frame(t, &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: layers.EthernetTypePPPoEDiscovery}, payload(10))
		for i, k := range p.frames(1, lldp, unknown, pppoed) {
			if k.Flow != 1 || k.Key.L4Proto != 0 || k.Key.EthType == 0 {
				t.Errorf("frame %d: flow %d key %+v, want an L2 flow", i, k.Flow, k.Key)
			}
		}
	})
	t.Run("punted", func(t *testing.T) {
		p := newEdgePair(t)
		llc := frame(t, &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: layers.EthernetTypeLLC, Length: 7},
			&layers.LLC{DSAP: 0x42, SSAP: 0x42, Control: 3}, payload(4))
		mpls := frame(t, eth(layers.EthernetTypeMPLSUnicast), &layers.MPLS{Label: 16, StackBottom: true, TTL: 64},
			ip4(ipA, ipB, layers.IPProtocolUDP), udp(1, 2))
		pppoe := frame(t, eth(layers.EthernetTypePPPoESession), &layers.PPPoE{Version: 1, Type: 1, Code: layers.PPPoECodeSession, SessionId: 1},
			&layers.PPP{PPPType: layers.PPPTypeIPv4}, ip4(ipA, ipB, layers.IPProtocolUDP), udp(1, 2))
		want := []gen.FlowtapPuntReason{gen.FlowtapPuntReasonPUNT_LLC, gen.FlowtapPuntReasonPUNT_MPLS, gen.FlowtapPuntReasonPUNT_PPPOE}
		for i, k := range p.frames(1, llc, mpls, pppoe) {
			if gen.FlowtapPuntReason(k.Punt) != want[i] || k.Flow != 0 {
				t.Errorf("frame %d: punt %d flow %d, want %v and no flow", i, k.Punt, k.Flow, want[i])
			}
		}
		if flows, _ := p.o.ReadFlows(); len(flows) != 0 {
			t.Errorf("%d flows after punted packets, want none", len(flows))
		}
	})
}
