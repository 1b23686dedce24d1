package datapath

// ipTunnel follows an encapsulation carried by the IPv4 or IPv6 header at
// off (l4 is the offset of its payload, proto the payload's protocol). It reports whether the packet was
// handed to an inner header; then the inner header owns the flow key and
// the outer one only contributes header-stack entries and status bits.
func (p *parser) ipTunnel(off, l4 uint32, proto uint8, depth int) bool {
	switch proto {
	case ProtoIPIP:
		p.m.Status |= StatIPIP
		if !p.has(l4, 20) {
			return false
		}
		p.l2 = off
		p.ipv4(l4, depth+1)
		return true
	case ProtoIPv6:
		p.m.Status |= StatIPIP
		if !p.has(l4, 40) {
			return false
		}
		p.l2 = off
		p.ipv6(l4, depth+1)
		return true
	case ProtoGRE:
		return p.gre(off, l4, depth)
	case ProtoUDP:
		return p.udpTunnel(off, l4, depth)
	}
	return false
}

// gre decodes a GRE header and follows IPv4, IPv6, Ethernet (TEB) and
// PPP payloads. Other payloads stop dissection on the outer flow.
func (p *parser) gre(off, l4 uint32, depth int) bool {
	m := p.m
	if !p.has(l4, 4) {
		return false
	}
	flags := p.u16(l4)
	et := p.u16(l4 + 2)
	hl := uint32(4)
	if flags&0x8000 != 0 || flags&0x4000 != 0 { // checksum or routing present
		hl += 4
	}
	if flags&0x2000 != 0 { // key
		hl += 4
	}
	if flags&0x1000 != 0 { // sequence
		hl += 4
	}
	if flags&0x0080 != 0 && flags&0x0007 == 1 { // enhanced GRE acknowledgment
		hl += 4
	}
	inner := l4 + hl
	switch et {
	case EthIPv4, EthIPv6, EthTEB, 0x880b:
	default:
		return false
	}
	m.addHdr(HdrGRE)
	m.Status |= StatGRE
	p.l2 = off
	switch et {
	case EthIPv4:
		p.ipv4(inner, depth+1)
	case EthIPv6:
		p.ipv6(inner, depth+1)
	case EthTEB:
		p.ethernet(inner, depth+1)
	default: // PPP
		m.addHdr(HdrPPP)
		m.Status |= StatPPP
		p.ppp(inner, depth)
	}
	return true
}

// ppp decodes a PPP header inside GRE (address/control optional, protocol
// field of 1 or 2 bytes).
func (p *parser) ppp(off uint32, depth int) {
	m := p.m
	if !p.has(off, 2) {
		m.Status |= StatStopDissect
		return
	}
	if p.b[off] == 0xff && p.b[off+1] == 0x03 {
		off += 2
	}
	if !p.has(off, 2) {
		m.Status |= StatStopDissect
		return
	}
	var proto uint16
	if p.b[off]&0x01 != 0 {
		proto = uint16(p.b[off])
		off++
	} else {
		proto = p.u16(off)
		off += 2
	}
	switch proto {
	case 0x0021:
		p.ipv4(off, depth+1)
	case 0x0057:
		p.ipv6(off, depth+1)
	default:
		m.Status |= StatStopDissect
	}
}

// udpTunnel follows VXLAN, GENEVE and Teredo payloads of a UDP header.
func (p *parser) udpTunnel(off, l4 uint32, depth int) bool {
	m := p.m
	if !p.has(l4, 8) {
		return false
	}
	sp, dp := p.u16(l4), p.u16(l4+2)
	if sp == 0 || dp == 0 {
		return false
	}
	pl := l4 + 8
	switch {
	case sp == portVXLAN || dp == portVXLAN:
		if !p.has(pl, 8+14) || p.b[pl]&0x08 == 0 {
			return false
		}
		m.addHdr(HdrUDP)
		m.addHdr(HdrVXLAN)
		m.Status |= StatVXLAN
		p.ethernet(pl+8, depth+1)
		return true
	case sp == portGENEVE || dp == portGENEVE:
		return p.geneve(pl, depth)
	case sp == portTeredo || dp == portTeredo:
		return p.teredo(off, pl, depth)
	}
	return false
}

func (p *parser) geneve(pl uint32, depth int) bool {
	m := p.m
	if !p.has(pl, 8) || p.b[pl]>>6 != 0 {
		return false
	}
	inner := pl + 8 + uint32(p.b[pl]&0x3f)*4
	et := p.u16(pl + 2)
	if et != EthTEB && et != EthIPv4 && et != EthIPv6 {
		return false
	}
	m.addHdr(HdrUDP)
	m.addHdr(HdrGENEVE)
	m.Status |= StatGENEVE
	switch et {
	case EthTEB:
		p.ethernet(inner, depth+1)
	case EthIPv4:
		p.ipv4(inner, depth+1)
	default:
		p.ipv6(inner, depth+1)
	}
	return true
}

// teredo skips the optional authentication and origin-indication headers
// and follows the IPv6 packet; bubbles without a payload stay outer flows.
func (p *parser) teredo(off, pl uint32, depth int) bool {
	m := p.m
	for i := 0; i < 2 && p.has(pl, 2); i++ {
		switch p.u16(pl) {
		case 0x0001: // authentication: 4 + id len + auth len + 8 + 1
			if !p.has(pl, 4) {
				return false
			}
			pl += 4 + uint32(p.b[pl+2]) + uint32(p.b[pl+3]) + 9
		case 0x0000: // origin indication
			pl += 8
		}
	}
	if !p.has(pl, 40) || p.b[pl]>>4 != 6 {
		return false
	}
	m.addHdr(HdrUDP)
	m.addHdr(HdrTeredo)
	m.Status |= StatTeredo
	p.l2 = off
	p.ipv6(pl, depth+1)
	return true
}
