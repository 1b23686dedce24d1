//go:build linux

package loader_test

import (
	"encoding/binary"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/gen"
)

// teredoOrigin is a Teredo origin-indication header (8 bytes, type 0).
func teredoOrigin() gopacket.Payload {
	h := make([]byte, 8)
	binary.BigEndian.PutUint16(h[2:], 0x1234)
	return h
}

// TestTunnels checks that the kernel punts exactly the encapsulations the
// Go parser follows, and keeps the outer flow of near misses (inner header
// not captured, unknown GRE payload, VXLAN flag clear), as Go does.
func TestTunnels(t *testing.T) {
	inner4 := func() []gopacket.SerializableLayer {
		return []gopacket.SerializableLayer{ip4(net4(192, 168, 0, 1), net4(192, 168, 0, 2), layers.IPProtocolTCP), tcpSeg(1000, 2000, "S", 1, 0, 10)}
	}
	inner6 := func() []gopacket.SerializableLayer {
		return []gopacket.SerializableLayer{ip6(ip6A, ip6B, layers.IPProtocolUDP), udp(1000, 2000), payload(4)}
	}
	innerEth := func() []gopacket.SerializableLayer {
		return append([]gopacket.SerializableLayer{eth(layers.EthernetTypeIPv4)}, inner4()...)
	}
	cat := func(ls ...[]gopacket.SerializableLayer) []gopacket.SerializableLayer {
		var out []gopacket.SerializableLayer
		for _, l := range ls {
			out = append(out, l...)
		}
		return out
	}
	outer := func(proto layers.IPProtocol) []gopacket.SerializableLayer {
		return []gopacket.SerializableLayer{eth(layers.EthernetTypeIPv4), ip4(ipA, ipB, proto)}
	}
	one := func(l gopacket.SerializableLayer) []gopacket.SerializableLayer {
		return []gopacket.SerializableLayer{l}
	}
	cases := []struct {
		name string
		ls   []gopacket.SerializableLayer
		cut  int // bytes removed from the end (0: whole)
		want gen.FlowtapPuntReason
	}{
		{"ipip", cat(outer(layers.IPProtocolIPv4), inner4()), 0, gen.FlowtapPuntReasonPUNT_IPIP},
		{"ipip-inner-cut", cat(outer(layers.IPProtocolIPv4), inner4()), 30, gen.FlowtapPuntReasonPUNT_NONE},
		{"6in4", cat(outer(layers.IPProtocolIPv6), inner6()), 0, gen.FlowtapPuntReasonPUNT_IPIP},
		{"gre-ipv4", cat(outer(layers.IPProtocolGRE), one(&layers.GRE{Protocol: layers.EthernetTypeIPv4}), inner4()), 0, gen.FlowtapPuntReasonPUNT_GRE},
		{"gre-key-teb", cat(outer(layers.IPProtocolGRE), one(&layers.GRE{KeyPresent: true, Key: 7, Protocol: layers.EthernetTypeTransparentEthernetBridging}), innerEth()), 0, gen.FlowtapPuntReasonPUNT_GRE},
		{"gre-unknown-payload", cat(outer(layers.IPProtocolGRE), one(&layers.GRE{Protocol: 0x88be}), one(payload(30))), 0, gen.FlowtapPuntReasonPUNT_NONE},
		{"vxlan", cat(outer(layers.IPProtocolUDP), one(udp(40000, 4789)), one(&layers.VXLAN{ValidIDFlag: true, VNI: 5}), innerEth()), 0, gen.FlowtapPuntReasonPUNT_VXLAN},
		{"vxlan-flag-clear", cat(outer(layers.IPProtocolUDP), one(udp(40000, 4789)), one(&layers.VXLAN{VNI: 5}), innerEth()), 0, gen.FlowtapPuntReasonPUNT_NONE},
		{"geneve", cat(outer(layers.IPProtocolUDP), one(udp(40000, 6081)), one(&layers.Geneve{Protocol: layers.EthernetTypeIPv4, VNI: 9}), inner4()), 0, gen.FlowtapPuntReasonPUNT_GENEVE},
		{"teredo", cat(outer(layers.IPProtocolUDP), one(udp(3544, 40000)), inner6()), 0, gen.FlowtapPuntReasonPUNT_TEREDO},
		{"teredo-origin", cat(outer(layers.IPProtocolUDP), one(udp(3544, 40000)), one(teredoOrigin()), inner6()), 0, gen.FlowtapPuntReasonPUNT_TEREDO},
		{"teredo-bubble", cat(outer(layers.IPProtocolUDP), one(udp(3544, 40000)), one(payload(20))), 0, gen.FlowtapPuntReasonPUNT_NONE},
		{"ipv6-gre", []gopacket.SerializableLayer{eth(layers.EthernetTypeIPv6), ip6(ip6A, ip6B, layers.IPProtocolGRE), &layers.GRE{Protocol: layers.EthernetTypeIPv4}, inner4()[0], inner4()[1]}, 0, gen.FlowtapPuntReasonPUNT_GRE},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newEdgePair(t)
			f := frame(t, c.ls...)
			f = f[:len(f)-c.cut]
			k, _ := p.packet(f, uint32(len(f)), 1)
			if gen.FlowtapPuntReason(k.Punt) != c.want {
				t.Errorf("punt %d, want %v", k.Punt, c.want)
			}
			if c.want == gen.FlowtapPuntReasonPUNT_NONE && k.Flow != 1 {
				t.Errorf("near miss: flow %d, want the outer flow", k.Flow)
			}
		})
	}
}

func net4(a, b, c, d byte) []byte { return []byte{a, b, c, d} }
