package datapath

// ethernet decodes an Ethernet header at off. depth counts enclosing
// tunnels (VXLAN, GENEVE, GRE TEB); only the outermost Ethernet header
// provides the MAC columns and the L2 flow key.
func (p *parser) ethernet(off uint32, depth int) {
	m := p.m
	m.addHdr(HdrEth)
	if !p.has(off, 14) {
		m.Status |= StatL2SnapLen
		if depth == 0 {
			m.Status |= StatStopDissect
		}
		return
	}
	// The innermost Ethernet header names the MACs, as T2 moves its L2
	// pointer into GRE/VXLAN payloads. Array copies, not copy(): those
	// compile to moves instead of a memmove call.
	m.DstMAC = [6]byte(p.b[off : off+6])
	m.SrcMAC = [6]byte(p.b[off+6 : off+12])
	m.HasMAC = true
	p.l2 = off
	p.ethertype(off+12, p.u16(off+12), depth)
}

// ethertype dispatches on the ethertype found at typeOff (the 2 bytes at
// typeOff hold et): VLAN tags, MPLS, PPPoE, LLC, IP, or an L2 flow.
func (p *parser) ethertype(typeOff uint32, et uint16, depth int) {
	m := p.m
	// VLAN tags: T2 keys on the innermost VID and prints every TCI.
	for i := 0; i < maxVLANScan && (et == EthVLAN || et == EthQinQ || et == EthQinQOld); i++ {
		m.addHdr(HdrVLAN)
		m.Status |= StatVLAN
		if !p.has(typeOff+2, 4) {
			m.Status |= StatL2SnapLen | StatStopDissect
			return
		}
		tci := p.u16(typeOff + 2)
		if depth == 0 {
			if m.NVLANs < MaxVLANs {
				m.VLANs[m.NVLANs] = tci
				m.NVLANs++
			}
			m.VLANCnt++
		}
		if tci&0x0fff == 0 {
			m.Status |= StatVLAN0
		}
		m.Key.VlanId = tci & 0x0fff
		typeOff += 4
		et = p.u16(typeOff)
	}
	if depth == 0 {
		m.OuterEthType = et
	}
	off := typeOff + 2
	if et <= 1500 {
		p.llc(typeOff, et, depth)
		return
	}
	switch et {
	case EthIPv4:
		p.ipv4(off, depth)
	case EthIPv6:
		p.ipv6(off, depth)
	case EthMPLS, EthMPLSM:
		p.mpls(off, et, depth)
	case EthPPPoES:
		p.pppoe(off, depth)
	default:
		p.l2Flow(typeOff, et)
	}
}

// llc handles IEEE 802.3 length frames: SNAP carries an ethertype, other
// SAPs become L2 flows.
func (p *parser) llc(typeOff uint32, length uint16, depth int) {
	m := p.m
	m.addHdr(HdrLLC)
	if !p.has(typeOff+2, 8) {
		m.Status |= StatStopDissect
		p.l2Flow(typeOff, length)
		return
	}
	if p.b[typeOff+2] == 0xaa && p.b[typeOff+3] == 0xaa {
		et := p.u16(typeOff + 8)
		p.ethertype(typeOff+8, et, depth)
		return
	}
	p.l2Flow(typeOff, uint16(p.b[typeOff+2])<<8|uint16(p.b[typeOff+3]))
}

// mpls skips the label stack and guesses the payload from its first nibble.
func (p *parser) mpls(off uint32, et uint16, depth int) {
	m := p.m
	if et == EthMPLS {
		m.Status |= StatMPLSUcast
	} else {
		m.Status |= StatMPLSMcast
	}
	for i := 0; i < maxMPLS; i++ {
		m.addHdr(HdrMPLS)
		m.MPLSCnt++
		if !p.has(off, 4) {
			m.Status |= StatL2SnapLen | StatStopDissect
			return
		}
		bottom := p.b[off+2]&0x01 != 0
		off += 4
		if bottom {
			break
		}
	}
	if !p.has(off, 1) {
		m.Status |= StatStopDissect
		return
	}
	switch p.b[off] >> 4 {
	case 4:
		p.ipv4(off, depth)
	case 6:
		p.ipv6(off, depth)
	default:
		m.Status |= StatStopDissect
	}
}

// pppoe decodes a PPPoE session header and its PPP protocol field.
func (p *parser) pppoe(off uint32, depth int) {
	m := p.m
	m.Status |= StatPPPoES
	m.addHdr(HdrPPPoE)
	if !p.has(off, 8) {
		m.Status |= StatL2SnapLen | StatStopDissect
		return
	}
	m.addHdr(HdrPPP)
	switch p.u16(off + 6) {
	case 0x0021:
		p.ipv4(off+8, depth)
	case 0x0057:
		p.ipv6(off+8, depth)
	default:
		m.Status |= StatStopDissect
	}
}

// l2Flow turns a non-IP frame into an L2 flow keyed by the MAC pair,
// ethertype and VLAN (t2-semantics.md section 1). typeOff is the offset
// of the ethertype field; T2 counts everything after it as L7.
func (p *parser) l2Flow(typeOff uint32, et uint16) {
	m := p.m
	switch et {
	case EthARP:
		m.addHdr(HdrARP)
		m.Status |= StatARP
	case EthRARP:
		m.addHdr(HdrRARP)
		m.Status |= StatRARP
	case EthLLDP:
		m.addHdr(HdrLLDP)
		m.Status |= StatLLDP
	case EthPPPoED:
		m.addHdr(HdrPPPoED)
		m.Status |= StatPPPoED
	default:
		m.addHdr(HdrData)
	}
	if !m.HasMAC {
		// Without an Ethernet header (e.g. SLL) there is no MAC pair to key on.
		m.Status |= StatStopDissect
		return
	}
	m.L2Flow = true
	m.Status |= StatL2Flow
	m.Key.EthType = et
	m.Key.EthDst = m.DstMAC
	m.Key.EthSrc = m.SrcMAC
	hdrEnd := typeOff + 2
	if p.raw > hdrEnd {
		m.L7Len = p.raw - hdrEnd
	}
	if p.raw <= minRawLen {
		used := hdrEnd
		if et == EthARP {
			used += 28 // T2 counts ARP padding after the 28-byte message
		}
		if p.raw >= used {
			m.PadLen = p.raw - used
		}
	}
}
