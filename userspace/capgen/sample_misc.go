package capgen

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// emitL2 appends a non-IP frame: Ethernet header plus one layer.
func (b *sampleBuilder) emitL2(at time.Duration, src, dst net.HardwareAddr, ethType layers.EthernetType, l gopacket.SerializableLayer) {
	if b.err != nil {
		return
	}
	data, err := b.serialize(&layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: ethType}, l)
	if err != nil {
		b.err = fmt.Errorf("serialize %v frame: %w", ethType, err)
		return
	}
	k := &l2Key{ethType: uint16(ethType)}
	copy(k.src[:], src)
	copy(k.dst[:], dst)
	b.frames = append(b.frames, sampleFrame{at: at, data: data, l2: k})
}

// arpExchange is a broadcast ARP request for the gateway and its reply.
func (b *sampleBuilder) arpExchange() {
	asker, gw := b.newHost("192.168.1.10", 64), b.newHost("192.168.1.1", 64)
	arp := func(op uint16, from, to *host, toMAC net.HardwareAddr) *layers.ARP {
		return &layers.ARP{
			AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
			HwAddressSize: 6, ProtAddressSize: 4, Operation: op,
			SourceHwAddress: from.mac, SourceProtAddress: from.ip.AsSlice(),
			DstHwAddress: toMAC, DstProtAddress: to.ip.AsSlice(),
		}
	}
	bcast := net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	at := 100 * msec
	b.emitL2(at, asker.mac, bcast, layers.EthernetTypeARP, arp(layers.ARPRequest, asker, gw, make(net.HardwareAddr, 6)))
	at += b.jitter(400 * time.Microsecond)
	b.emitL2(at, gw.mac, asker.mac, layers.EthernetTypeARP, arp(layers.ARPReply, gw, asker, asker.mac))
}

// udp sends one datagram, fragmented into fragSize-byte IP payloads if fragSize > 0.
func (b *sampleBuilder) udp(at time.Duration, src, dst *host, sport, dport uint16, payload []byte, fragSize int) {
	if b.err != nil {
		return
	}
	p := ipPacket{
		at: at, src: src, dst: dst, proto: protoUDP, sport: sport, dport: dport,
		l4:      &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)},
		payload: payload, fragSize: fragSize,
	}
	if err := b.emitIP(p); err != nil {
		b.err = fmt.Errorf("udp %v:%d: %w", src.ip, sport, err)
	}
}

// dnsMessage serializes a DNS message.
func (b *sampleBuilder) dnsMessage(m *layers.DNS) []byte {
	data, err := b.serialize(m)
	if err != nil && b.err == nil {
		b.err = fmt.Errorf("serialize dns message %d: %w", m.ID, err)
	}
	return data
}

// dnsLookup sends a recursive query for name and the server's answer with
// one address record (A or AAAA from the type of answer).
func (b *sampleBuilder) dnsLookup(at time.Duration, client, server *host, name string, answer netip.Addr) {
	qtype := layers.DNSTypeA
	if answer.Is6() {
		qtype = layers.DNSTypeAAAA
	}
	q := []layers.DNSQuestion{{Name: []byte(name), Type: qtype, Class: layers.DNSClassIN}}
	id := uint16(b.rng.Uint32())
	port := b.ephemeralPort()
	b.udp(at, client, server, port, 53, b.dnsMessage(&layers.DNS{ID: id, RD: true, Questions: q}), 0)
	resp := &layers.DNS{
		ID: id, QR: true, RD: true, RA: true, Questions: q,
		Answers: []layers.DNSResourceRecord{{Name: []byte(name), Type: qtype, Class: layers.DNSClassIN, TTL: 300, IP: answer.AsSlice()}},
	}
	b.udp(at+b.jitter(9*msec), server, client, 53, port, b.dnsMessage(resp), 0)
}

// dnsQueries are an A and an AAAA lookup over IPv4.
func (b *sampleBuilder) dnsQueries() {
	client, resolver := b.newHost("10.0.0.10", 64), b.newHost("192.168.1.53", 64)
	b.dnsLookup(300*msec, client, resolver, "www.example.com", netip.MustParseAddr("198.51.100.80"))
	b.dnsLookup(302*msec, client, resolver, "www.example.com", netip.MustParseAddr("2001:db8:80::80"))
}

// ipv6DNS is an AAAA lookup over IPv6.
func (b *sampleBuilder) ipv6DNS() {
	client, resolver := b.newHost("2001:db8:1::10", 64), b.newHost("2001:db8:53::53", 64)
	b.dnsLookup(8900*msec, client, resolver, "v6.example.com", netip.MustParseAddr("2001:db8:2::20"))
}

// fragmentedUDP is an EDNS TXT lookup whose ~3.2 KB answer leaves the
// resolver as one UDP datagram in three IPv4 fragments (1480-byte MTU
// payloads); only the first fragment holds the UDP header.
func (b *sampleBuilder) fragmentedUDP() {
	client, resolver := b.newHost("10.0.3.10", 64), b.newHost("192.168.40.53", 62)
	name := []byte("keys.example.com")
	q := []layers.DNSQuestion{{Name: name, Type: layers.DNSTypeTXT, Class: layers.DNSClassIN}}
	// The OPT record's class is the requester's UDP payload size (RFC 6891).
	opt := layers.DNSResourceRecord{Type: layers.DNSTypeOPT, Class: 4096}
	id, port := uint16(b.rng.Uint32()), b.ephemeralPort()
	at := 10 * sec
	b.udp(at, client, resolver, port, 53,
		b.dnsMessage(&layers.DNS{ID: id, RD: true, Questions: q, Additionals: []layers.DNSResourceRecord{opt}}), 0)
	resp := &layers.DNS{ID: id, QR: true, RD: true, RA: true, Questions: q, Additionals: []layers.DNSResourceRecord{opt}}
	for range 13 {
		txt := make([]byte, 230)
		for i := range txt {
			txt[i] = "abcdefghijklmnopqrstuvwxyz0123456789+/"[b.rng.IntN(38)]
		}
		resp.Answers = append(resp.Answers, layers.DNSResourceRecord{
			Name: name, Type: layers.DNSTypeTXT, Class: layers.DNSClassIN, TTL: 3600, TXTs: [][]byte{txt},
		})
	}
	b.udp(at+b.jitter(20*msec), resolver, client, 53, port, b.dnsMessage(resp), 1480)
}

// icmpEcho is three pings, one second apart, each answered.
func (b *sampleBuilder) icmpEcho() {
	src, dst := b.newHost("10.0.0.12", 64), b.newHost("198.51.100.1", 54)
	id := uint16(b.rng.Uint32())
	for seq := uint16(1); seq <= 3; seq++ {
		at := 6*sec + time.Duration(seq-1)*sec + time.Duration(b.rng.IntN(1000))*time.Microsecond
		// Linux ping's 56-byte payload: an 8-byte timestamp, then 0x10, 0x11, ...
		data := make([]byte, 56)
		copy(data, b.payload(8))
		for i := 8; i < len(data); i++ {
			data[i] = byte(i + 8)
		}
		for i, dir := range [][2]*host{{src, dst}, {dst, src}} {
			typ := uint8(layers.ICMPv4TypeEchoRequest)
			if i == 1 {
				typ = layers.ICMPv4TypeEchoReply
				at += b.jitter(22 * msec)
			}
			p := ipPacket{
				at: at, src: dir[0], dst: dir[1], proto: protoICMP, df: true, payload: data,
				l4: &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, 0), Id: id, Seq: seq},
			}
			if err := b.emitIP(p); err != nil && b.err == nil {
				b.err = fmt.Errorf("icmp echo %d: %w", seq, err)
			}
		}
	}
}
