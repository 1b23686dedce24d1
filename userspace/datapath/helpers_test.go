package datapath_test

import (
	"encoding/binary"
	"net"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// Addresses shared by the packet builders.
var (
	macA  = net.HardwareAddr{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}
	macB  = net.HardwareAddr{0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb}
	macC  = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x00, 0x0c}
	macD  = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x00, 0x0d}
	bcast = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
)

func ethL(et layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: et}
}

func ip4L(src, dst string, proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{
		Version: 4, TTL: 64, Id: 0x1234, Protocol: proto,
		SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4(),
	}
}

func ip6L(src, dst string, next layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{
		Version: 6, HopLimit: 61, NextHeader: next,
		SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst),
	}
}

func tcpL(sport, dport uint16) *layers.TCP {
	return &layers.TCP{
		SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport),
		Seq: 1000, Ack: 2000, PSH: true, ACK: true, Window: 512,
	}
}

func udpL(sport, dport uint16) *layers.UDP {
	return &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
}

func payload(n int) gopacket.Payload {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i)
	}
	return p
}

// ethTCP4 is the plain Ethernet/IPv4/TCP frame with n payload bytes.
func ethTCP4(t testing.TB, n int) []byte {
	return testenv.Serialize(t, ethL(layers.EthernetTypeIPv4), ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolTCP),
		tcpL(40000, 80), payload(n))
}

// ip4 returns an IPv4 address in the 16-byte key form (first 4 bytes).
func ip4(s string) [16]byte {
	var a [16]byte
	copy(a[:4], net.ParseIP(s).To4())
	return a
}

func ip6(s string) [16]byte {
	var a [16]byte
	copy(a[:], net.ParseIP(s).To16())
	return a
}

func mac(h net.HardwareAddr) [6]byte {
	var a [6]byte
	copy(a[:], h)
	return a
}

// keyIP builds the expected key of an IP flow (MACs zero, section 1).
func keyIP(src, dst [16]byte, et uint16, vlan, sport, dport uint16, proto uint8) gen.FlowtapFlowKey {
	return gen.FlowtapFlowKey{SrcIp: src, DstIp: dst, EthType: et, VlanId: vlan, SrcPort: sport, DstPort: dport, L4Proto: proto}
}

// parse runs Parse on a frame captured whole.
func parse(b []byte, link uint32) *datapath.Meta {
	m := new(datapath.Meta)
	datapath.Parse(m, b, uint32(len(b)), link)
	return m
}

// desc returns the hdrDesc text of a parsed packet.
func desc(m *datapath.Meta) string {
	return string(datapath.AppendHdrDesc(nil, m.Hdrs[:m.NHdrs]))
}

// sllHeader is a Linux cooked v1 header (LINKTYPE_LINUX_SLL): packet type,
// ARPHRD type, address length, 8 address bytes, protocol. gopacket can
// decode it but not write it, so it is built field by field.
func sllHeader(proto uint16) []byte {
	h := make([]byte, 16)
	binary.BigEndian.PutUint16(h[0:], 0) // sent to us
	binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
	binary.BigEndian.PutUint16(h[4:], 6)
	copy(h[6:], macA)
	binary.BigEndian.PutUint16(h[14:], proto)
	return h
}

// sll2Header is a Linux cooked v2 header (LINKTYPE_LINUX_SLL2): protocol,
// reserved, interface index, ARPHRD type, packet type, address length and
// 8 address bytes.
func sll2Header(proto uint16) []byte {
	h := make([]byte, 20)
	binary.BigEndian.PutUint16(h[0:], proto)
	binary.BigEndian.PutUint32(h[4:], 3) // ifindex
	binary.BigEndian.PutUint16(h[8:], 1) // ARPHRD_ETHER
	h[10] = 0                            // sent to us
	h[11] = 6
	copy(h[12:], macA)
	return h
}
