//go:build linux

package loader_test

import (
	"encoding/binary"
	"net"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Addresses of the test packets.
var (
	macA = net.HardwareAddr{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}
	macB = net.HardwareAddr{0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb}
	ipA  = net.IP{10, 0, 0, 1}
	ipB  = net.IP{10, 0, 0, 2}
	ip6A = net.ParseIP("2001:db8::1")
	ip6B = net.ParseIP("2001:db8::2")
)

// frame serializes gopacket layers with lengths fixed and checksums left
// zero (neither side looks at them). Ethernet pads to 60 bytes itself.
func frame(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, ls...); err != nil {
		t.Fatalf("serialize %d layers: %v", len(ls), err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

func eth(et layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: et}
}

func ethRev(et layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: macB, DstMAC: macA, EthernetType: et}
}

func ip4(src, dst net.IP, proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, TTL: 64, Id: 0x1234, Protocol: proto, SrcIP: src, DstIP: dst}
}

func ip6(src, dst net.IP, next layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{Version: 6, HopLimit: 61, NextHeader: next, SrcIP: src, DstIP: dst}
}

// tcpSeg is a TCP segment with the given flags ("S", "SA", "A", "FA", "R", "RA", "PA").
func tcpSeg(sport, dport uint16, flags string, seq, ack uint32, win uint16) *layers.TCP {
	l := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: seq, Ack: ack, Window: win}
	for _, f := range flags {
		switch f {
		case 'S':
			l.SYN = true
		case 'A':
			l.ACK = true
		case 'F':
			l.FIN = true
		case 'R':
			l.RST = true
		case 'P':
			l.PSH = true
		case 'U':
			l.URG = true
		}
	}
	return l
}

func udp(sport, dport uint16) *layers.UDP {
	return &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
}

func payload(n int) gopacket.Payload {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i)
	}
	return p
}

// vlanTags returns Ethernet plus n tags (ethertypes cycling 802.1Q,
// 802.1ad, 0x9100; VID 100+i) in front of inner.
func vlanTags(n int, inner layers.EthernetType) []gopacket.SerializableLayer {
	tpids := []layers.EthernetType{layers.EthernetTypeDot1Q, layers.EthernetTypeQinQ, 0x9100}
	first := inner
	if n > 0 {
		first = tpids[0]
	}
	ls := []gopacket.SerializableLayer{eth(first)}
	for i := 0; i < n; i++ {
		next := inner
		if i+1 < n {
			next = tpids[(i+1)%len(tpids)]
		}
		ls = append(ls, &layers.Dot1Q{Priority: uint8(i % 8), VLANIdentifier: uint16(100 + i), Type: next})
	}
	return ls
}

// ext6 is an IPv6 option-style extension header (hop-by-hop, routing,
// destination options, mobility) of (units+1)*8 bytes followed by next.
func ext6(next layers.IPProtocol, units int) gopacket.Payload {
	h := make([]byte, (units+1)*8)
	h[0], h[1] = byte(next), byte(units)
	if len(h) > 2 {
		h[2] = 1 // PadN option filling the rest
		h[3] = byte(len(h) - 4)
	}
	return h
}

// frag6 is an IPv6 fragment header: offset in 8-byte units, more flag, id.
func frag6(next layers.IPProtocol, offset uint16, more bool, id uint32) gopacket.Payload {
	h := make([]byte, 8)
	h[0] = byte(next)
	fo := offset << 3
	if more {
		fo |= 1
	}
	binary.BigEndian.PutUint16(h[2:], fo)
	binary.BigEndian.PutUint32(h[4:], id)
	return h
}

// ah6 is an authentication header with an ICV of 4*(plen-1) bytes.
func ah6(next layers.IPProtocol, plen int) gopacket.Payload {
	h := make([]byte, (plen+2)*4)
	h[0], h[1] = byte(next), byte(plen)
	binary.BigEndian.PutUint32(h[4:], 0x100) // SPI
	return h
}

// frag4 returns an IPv4 header of a fragment: offset in 8-byte units.
func frag4(proto layers.IPProtocol, id uint16, offset uint16, more bool) *layers.IPv4 {
	l := ip4(ipA, ipB, proto)
	l.Id = id
	l.FragOffset = offset
	if more {
		l.Flags = layers.IPv4MoreFragments
	}
	return l
}

// frames feeds frames to both sides with increasing capture times from ts0,
// one millisecond apart, and returns the kernel results.
func (p *pair) frames(ts0 uint64, frames ...[]byte) []kernelRun {
	p.t.Helper()
	out := make([]kernelRun, 0, len(frames))
	for i, f := range frames {
		k, ok := p.packet(f, uint32(len(f)), ts0+uint64(i)*1_000_000)
		out = append(out, kernelRun{k, ok})
	}
	return out
}
