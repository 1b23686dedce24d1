package testenv

import (
	"encoding/binary"
	"net"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// onesSum is the Internet checksum sum (RFC 1071) of b, folded to 16 bits;
// a header with a correct checksum sums to 0xffff.
func onesSum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

// l4Sum sums an L4 segment with its pseudo-header.
func l4Sum(src, dst net.IP, proto layers.IPProtocol, seg []byte) uint16 {
	var ph []byte
	ph = append(ph, src...)
	ph = append(ph, dst...)
	if len(src) == 4 {
		ph = append(ph, 0, byte(proto), byte(len(seg)>>8), byte(len(seg)))
	} else {
		ph = binary.BigEndian.AppendUint32(ph, uint32(len(seg)))
		ph = append(ph, 0, 0, 0, byte(proto))
	}
	return onesSum(append(ph, seg...))
}

func TestSerialize(t *testing.T) {
	eth := func(et layers.EthernetType) *layers.Ethernet {
		return &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: et}
	}
	ip4 := func(proto layers.IPProtocol) *layers.IPv4 {
		return &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: net.IP{10, 0, 0, 1}, DstIP: net.IP{10, 0, 0, 2}}
	}
	ip6 := func(next layers.IPProtocol) *layers.IPv6 {
		return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: next, SrcIP: net.ParseIP("2001:db8::1"), DstIP: net.ParseIP("2001:db8::2")}
	}
	payload := gopacket.Payload("hello, checksum")
	tests := []struct {
		name   string
		layers func() []gopacket.SerializableLayer
		proto  layers.IPProtocol
	}{
		{"ipv4 tcp", func() []gopacket.SerializableLayer {
			return []gopacket.SerializableLayer{eth(layers.EthernetTypeIPv4), ip4(layers.IPProtocolTCP),
				&layers.TCP{SrcPort: 40000, DstPort: 80, Seq: 7, ACK: true, Window: 512}, payload}
		}, layers.IPProtocolTCP},
		{"ipv6 udp", func() []gopacket.SerializableLayer {
			return []gopacket.SerializableLayer{eth(layers.EthernetTypeIPv6), ip6(layers.IPProtocolUDP),
				&layers.UDP{SrcPort: 40001, DstPort: 9999}, payload}
		}, layers.IPProtocolUDP},
		// The inner header gives the pseudo-header, not the outer one.
		{"ipv6 in ipv4, tcp", func() []gopacket.SerializableLayer {
			return []gopacket.SerializableLayer{eth(layers.EthernetTypeIPv4), ip4(layers.IPProtocolIPv6), ip6(layers.IPProtocolTCP),
				&layers.TCP{SrcPort: 1, DstPort: 2, SYN: true}, payload}
		}, layers.IPProtocolTCP},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, sums := range []bool{false, true} {
				var b []byte
				if sums {
					b = SerializeWithChecksums(t, tc.layers()...)
				} else {
					b = Serialize(t, tc.layers()...)
				}
				checkFrame(t, b, tc.proto, len(payload), sums)
			}
		})
	}
}

// checkFrame decodes b and checks its lengths and its checksums: all
// correct when sums, all zero otherwise.
func checkFrame(t *testing.T, b []byte, proto layers.IPProtocol, payload int, sums bool) {
	t.Helper()
	p := gopacket.NewPacket(b, layers.LinkTypeEthernet, gopacket.Default)
	if el := p.ErrorLayer(); el != nil {
		t.Fatalf("decode: %v", el.Error())
	}
	if len(b) < 60 {
		t.Errorf("frame of %d bytes, want Ethernet's 60 at least", len(b))
	}
	var src, dst net.IP
	for _, l := range p.Layers() {
		switch l := l.(type) {
		case *layers.IPv4:
			src, dst = l.SrcIP.To4(), l.DstIP.To4()
			hdr := l.Contents
			checkSum(t, "IPv4 header", l.Checksum, onesSum(hdr), sums)
			if int(l.IHL)*4 != len(hdr) || int(l.Length) != len(hdr)+len(l.Payload) {
				t.Errorf("IPv4 IHL %d length %d for a %d-byte header and %d bytes after it", l.IHL, l.Length, len(hdr), len(l.Payload))
			}
		case *layers.IPv6:
			src, dst = l.SrcIP, l.DstIP
			if int(l.Length) != len(l.Payload) {
				t.Errorf("IPv6 payload length %d, want %d", l.Length, len(l.Payload))
			}
		case *layers.TCP:
			checkSum(t, "TCP", l.Checksum, l4Sum(src, dst, proto, append(l.Contents, l.Payload...)), sums)
			if int(l.DataOffset)*4 != len(l.Contents) {
				t.Errorf("TCP data offset %d for a %d-byte header", l.DataOffset, len(l.Contents))
			}
		case *layers.UDP:
			checkSum(t, "UDP", l.Checksum, l4Sum(src, dst, proto, append(l.Contents, l.Payload...)), sums)
			if int(l.Length) != 8+payload {
				t.Errorf("UDP length %d, want %d", l.Length, 8+payload)
			}
		}
	}
	if app := p.ApplicationLayer(); app == nil || len(app.Payload()) != payload {
		t.Errorf("payload %v, want %d bytes", app, payload)
	}
}

// checkSum checks a checksum field: correct (its header sums to 0xffff)
// when sums, zero otherwise.
func checkSum(t *testing.T, name string, field, sum uint16, sums bool) {
	t.Helper()
	if sums && sum != 0xffff {
		t.Errorf("%s checksum %#x is wrong (sum %#x)", name, field, sum)
	}
	if !sums && field != 0 {
		t.Errorf("%s checksum %#x, want 0", name, field)
	}
}

func TestFlowKeyIP(t *testing.T) {
	tests := []struct {
		in   string
		want [16]byte
	}{
		{"10.0.0.1", [16]byte{10, 0, 0, 1}},
		{"255.255.255.255", [16]byte{255, 255, 255, 255}},
		{"2001:db8::1", [16]byte{0x20, 0x01, 0x0d, 0xb8, 15: 1}},
		// An IPv4-mapped IPv6 literal is IPv6 and stays whole.
		{"::ffff:10.0.0.1", [16]byte{10: 0xff, 11: 0xff, 12: 10, 15: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := FlowKeyIP(tc.in); got != tc.want {
				t.Errorf("FlowKeyIP(%s) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}
