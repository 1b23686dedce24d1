package datapath

import "encoding/binary"

// Link types understood by Parse (pcap LINKTYPE_* values).
const (
	LinkNull     = 0
	LinkEthernet = 1
	LinkRawOld   = 12 // DLT_RAW as written by some systems
	LinkRawAlt   = 14
	LinkRaw      = 101
	LinkLoop     = 108
	LinkSLL      = 113
	LinkNFLOG    = 239
	LinkIPv4     = 228
	LinkIPv6     = 229
	LinkSLL2     = 276
)

// Ethertypes.
const (
	EthIPv4    = 0x0800
	EthARP     = 0x0806
	EthRARP    = 0x8035
	EthVLAN    = 0x8100
	EthQinQ    = 0x88a8
	EthQinQOld = 0x9100
	EthIPv6    = 0x86dd
	EthMPLS    = 0x8847
	EthMPLSM   = 0x8848
	EthPPPoED  = 0x8863
	EthPPPoES  = 0x8864
	EthLLDP    = 0x88cc
	EthTEB     = 0x6558
)

// Parse decodes one captured frame of the given link type into m.
// origLen is the frame's length on the wire. It never reads past b and
// never fails: what it cannot decode is recorded in m.Status (STPDSCT,
// snap-length bits) and in m.NoFlow.
func Parse(m *Meta, b []byte, origLen uint32, linkType uint32) {
	if linkType == LinkEthernet && parseFast(m, b, origLen) {
		return
	}
	parseGeneral(m, b, origLen, linkType)
}

// parseGeneral is Parse for every frame: the fast path's result must equal
// it, so tests call it directly.
func parseGeneral(m *Meta, b []byte, origLen uint32, linkType uint32) {
	m.reset()
	m.capLen = uint32(len(b))
	p := parser{m: m, b: b, raw: origLen}
	switch linkType {
	case LinkEthernet:
		p.ethernet(0, 0)
	case LinkNull, LinkLoop:
		p.null(linkType)
	case LinkRaw, LinkRawOld, LinkRawAlt:
		p.m.Status |= StatL2NoEth
		p.rawIP(0)
	case LinkIPv4:
		p.m.Status |= StatL2NoEth
		p.ipv4(0, 0)
	case LinkIPv6:
		p.m.Status |= StatL2NoEth
		p.ipv6(0, 0)
	case LinkSLL:
		p.sll()
	case LinkSLL2:
		p.sll2()
	case LinkNFLOG:
		p.nflog()
	default:
		m.Status |= StatL2NoEth | StatStopDissect
		m.NoFlow = true
	}
	if m.L3 == L3None && !m.L2Flow {
		m.NoFlow = true
	}
}

type parser struct {
	m   *Meta
	b   []byte
	raw uint32 // wire length of the frame
	l2  uint32 // offset where the current L2 header starts (tunnels move it)
}

func (p *parser) u16(off uint32) uint16 { return binary.BigEndian.Uint16(p.b[off:]) }
func (p *parser) u32(off uint32) uint32 { return binary.BigEndian.Uint32(p.b[off:]) }

// has reports whether n bytes are captured at off.
func (p *parser) has(off, n uint32) bool { return uint64(off)+uint64(n) <= uint64(len(p.b)) }

func (p *parser) null(linkType uint32) {
	m := p.m
	if !p.linkHeader(HdrNull, 4) {
		return
	}
	fam := binary.LittleEndian.Uint32(p.b)
	if linkType == LinkLoop || fam > 0xffff {
		fam = binary.BigEndian.Uint32(p.b)
	}
	switch fam {
	case 2:
		p.ipv4(4, 0)
	case 10, 24, 28, 30:
		p.ipv6(4, 0)
	default:
		m.Status |= StatStopDissect
	}
}

func (p *parser) rawIP(off uint32) {
	if !p.has(off, 1) {
		p.m.Status |= StatL2SnapLen
		return
	}
	switch p.b[off] >> 4 {
	case 4:
		p.ipv4(off, 0)
	case 6:
		p.ipv6(off, 0)
	default:
		p.m.addHdr(HdrIPvX)
		p.m.Status |= StatIPvX | StatStopDissect
	}
}

// sll decodes a Linux cooked v1 header (16 bytes, protocol at 14).
func (p *parser) sll() {
	m := p.m
	if !p.linkHeader(HdrSLL, 16) {
		return
	}
	if n := p.u16(4); n == 6 {
		copy(m.SrcMAC[:], p.b[6:12])
	}
	p.ethertype(14, p.u16(14), 0)
}

// sll2 decodes a Linux cooked v2 header (20 bytes, protocol at 0).
func (p *parser) sll2() {
	m := p.m
	if !p.linkHeader(HdrSLL2, 20) {
		return
	}
	if p.b[11] == 6 {
		copy(m.SrcMAC[:], p.b[12:18])
	}
	p.ethertype(18, p.u16(0), 0)
}

// nflog walks NFLOG TLVs (little-endian length and type, 4-byte aligned)
// to the payload TLV (type 9), which holds the IP packet.
func (p *parser) nflog() {
	m := p.m
	if !p.linkHeader(HdrNFLOG, 4) {
		return
	}
	fam := p.b[0]
	off := uint32(4)
	for i := 0; i < 32 && p.has(off, 4); i++ {
		l := uint32(binary.LittleEndian.Uint16(p.b[off:]))
		t := binary.LittleEndian.Uint16(p.b[off+2:])
		if l < 4 {
			break
		}
		if t == 9 {
			if fam == 10 {
				p.ipv6(off+4, 0)
			} else {
				p.ipv4(off+4, 0)
			}
			return
		}
		off += (l + 3) &^ 3
	}
	m.Status |= StatStopDissect
}

// linkHeader starts a non-Ethernet link header of n bytes coded h: no
// Ethernet (L2_NO_ETH), h on the header stack. It reports whether the n
// bytes were captured; if not, the packet is marked L2-snapped.
func (p *parser) linkHeader(h Hdr, n uint32) bool {
	p.m.Status |= StatL2NoEth
	p.m.addHdr(h)
	if !p.has(0, n) {
		p.m.Status |= StatL2SnapLen
		return false
	}
	return true
}
