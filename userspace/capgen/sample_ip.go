package capgen

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// ipPacket is one IP datagram to emit, possibly as several fragments.
type ipPacket struct {
	at       time.Duration
	src, dst *host
	tags     []vlanTag
	proto    layers.IPProtocol
	sport    uint16 // ports for the truth key; 0 for ICMP
	dport    uint16
	l4       gopacket.SerializableLayer // TCP, UDP or ICMP header; nil for none
	payload  []byte
	df       bool
	fragSize int  // 0: send whole; else IP payload bytes per fragment (multiple of 8)
	lowWin   bool // the L4 header is TCP with window 0
}

// checksummer is an L4 layer whose checksum covers an IP pseudo-header.
type checksummer interface {
	SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
}

// emitIP serializes p (fragmenting it if asked) and appends its frames.
func (b *sampleBuilder) emitIP(p ipPacket) error {
	key := DirKey{
		Src:   netip.AddrPortFrom(p.src.ip, p.sport),
		Dst:   netip.AddrPortFrom(p.dst.ip, p.dport),
		Proto: uint8(p.proto),
	}
	netLayer, ethType := b.ipLayer(p, key)
	if c, ok := p.l4.(checksummer); ok {
		if err := c.SetNetworkLayerForChecksum(netLayer.(gopacket.NetworkLayer)); err != nil {
			return fmt.Errorf("l4 checksum for %v: %w", key, err)
		}
	}
	ls := l2Layers(p.src.mac, p.dst.mac, p.tags, ethType)
	if p.fragSize == 0 {
		ls = append(ls, netLayer)
		if p.l4 != nil {
			ls = append(ls, p.l4)
		}
		data, err := b.serialize(append(ls, gopacket.Payload(p.payload))...)
		if err != nil {
			return fmt.Errorf("serialize %v: %w", key, err)
		}
		b.frames = append(b.frames, sampleFrame{at: p.at, data: data, key: key, lowWin: p.lowWin})
		return nil
	}
	ip4, ok := netLayer.(*layers.IPv4)
	if !ok {
		return fmt.Errorf("fragment %v: only IPv4 is fragmented", key)
	}
	return b.emitFragments(p, key, ls, ip4)
}

// ipLayer returns the IPv4 or IPv6 header for p and the matching ethType.
func (b *sampleBuilder) ipLayer(p ipPacket, key DirKey) (gopacket.SerializableLayer, layers.EthernetType) {
	if p.src.ip.Is6() {
		return &layers.IPv6{
			Version:    6,
			FlowLabel:  flowLabel(key),
			NextHeader: p.proto,
			HopLimit:   p.src.ttl,
			SrcIP:      p.src.ip.AsSlice(),
			DstIP:      p.dst.ip.AsSlice(),
		}, layers.EthernetTypeIPv6
	}
	p.src.ipID++
	ip := &layers.IPv4{
		Version:  4,
		IHL:      5,
		Id:       p.src.ipID,
		TTL:      p.src.ttl,
		Protocol: p.proto,
		SrcIP:    p.src.ip.AsSlice(),
		DstIP:    p.dst.ip.AsSlice(),
	}
	if p.df {
		ip.Flags = layers.IPv4DontFragment
	}
	return ip, layers.EthernetTypeIPv4
}

// emitFragments serializes the L4 datagram once, checksum included, and cuts
// it into fragments; only the first one carries the L4 header, as on the wire.
func (b *sampleBuilder) emitFragments(p ipPacket, key DirKey, l2 []gopacket.SerializableLayer, ip *layers.IPv4) error {
	var l4 []gopacket.SerializableLayer
	if p.l4 != nil {
		l4 = append(l4, p.l4)
	}
	datagram, err := b.serialize(append(l4, gopacket.Payload(p.payload))...)
	if err != nil {
		return fmt.Errorf("serialize datagram %v: %w", key, err)
	}
	if p.fragSize <= 0 || p.fragSize%8 != 0 {
		return fmt.Errorf("fragment %v: size %d is not a positive multiple of 8", key, p.fragSize)
	}
	at := p.at
	for off := 0; off < len(datagram); off += p.fragSize {
		end := min(off+p.fragSize, len(datagram))
		frag := *ip
		frag.Flags = 0
		if end < len(datagram) {
			frag.Flags = layers.IPv4MoreFragments
		}
		frag.FragOffset = uint16(off / 8)
		data, err := b.serialize(append(append([]gopacket.SerializableLayer(nil), l2...), &frag, gopacket.Payload(datagram[off:end]))...)
		if err != nil {
			return fmt.Errorf("serialize fragment %v at %d: %w", key, off, err)
		}
		b.frames = append(b.frames, sampleFrame{at: at, data: data, key: key, lowWin: p.lowWin && off == 0})
		// Fragments leave back to back, a few µs apart on a fast link.
		at += time.Duration(5+b.rng.IntN(20)) * time.Microsecond
	}
	return nil
}

// flowLabel derives a stable 20-bit IPv6 flow label from the direction, as
// hosts keep one label per connection (RFC 6437).
func flowLabel(k DirKey) uint32 {
	h := uint32(2166136261) // FNV-1a
	for _, b := range append(k.Src.Addr().AsSlice(), byte(k.Src.Port()>>8), byte(k.Src.Port()), byte(k.Dst.Port()>>8), byte(k.Dst.Port())) {
		h = (h ^ uint32(b)) * 16777619
	}
	return h & 0xfffff
}
