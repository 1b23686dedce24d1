package datapath

// ipv6 decodes an IPv6 header and its extension chain at off.
func (p *parser) ipv6(off uint32, depth int) {
	m := p.m
	m.Status |= StatIPv6Pkt
	if !p.has(off, 40) {
		m.addHdr(HdrIPv6)
		m.Status |= StatL3SnapLen | StatL3HdrShort | StatStopDissect
		return
	}
	if p.b[off]>>4 != 6 {
		m.addHdr(HdrIPvX)
		m.Status |= StatIPvX
	} else {
		m.addHdr(HdrIPv6)
	}
	calcL3 := uint32(0)
	if p.raw > off {
		calcL3 = p.raw - off
	}
	pay := uint32(p.u16(off + 4))
	l3Len := pay + 40
	if (pay == 0 && calcL3 != 0) || l3Len > calcL3 {
		m.Status |= StatIPLenMismtch
	}
	if pay == 0 || l3Len > calcL3 {
		l3Len = calcL3
	}
	nxt := p.b[off+6]
	hl := uint32(40)
	later, fragFirst, more := false, false, false
	var fragID uint32
	for i := 0; i < maxIPv6Ext; i++ {
		e := off + hl
		var step uint32
		switch nxt {
		case ProtoHopOpts, ProtoDstOpts, ProtoRouting, ProtoMobil:
			if !p.has(e, 2) {
				m.Status |= StatL4HdrShort
				i = maxIPv6Ext
				continue
			}
			m.addHdr(map6(nxt))
			step = (uint32(p.b[e+1]) + 1) << 3
		case ProtoFrag:
			m.addHdr(HdrFragHdr)
			if !p.has(e, 8) {
				m.Status |= StatL4HdrShort
				i = maxIPv6Ext
				continue
			}
			fo := p.u16(e + 2)
			later = fo&0xfff8 != 0
			more = fo&0x0001 != 0
			fragFirst = !later && more
			fragID = p.u32(e + 4)
			step = 8
		case ProtoAH:
			if !p.has(e, 2) {
				i = maxIPv6Ext
				continue
			}
			m.addHdr(HdrAH)
			m.Status |= StatIPsecAH
			step = (uint32(p.b[e+1]) + 2) << 2
		default:
			i = maxIPv6Ext
			continue
		}
		nxt = p.b[e]
		hl += step
		if later {
			break
		}
	}
	l4 := off + hl
	if !later && depth < maxDepth && p.ipTunnel(off, l4, nxt, depth) {
		return
	}
	m.resetL3()
	m.Status |= StatIPv6
	m.L3 = L3IPv6
	m.L3Off = off
	m.Key.EthType = EthIPv6
	m.Key.SrcIp = [16]byte(p.b[off+8 : off+24])
	m.Key.DstIp = [16]byte(p.b[off+24 : off+40])
	m.TTL = p.b[off+7]
	m.FragLater, m.FragFirst, m.FragMore, m.FragID = later, fragFirst, more, fragID
	if later {
		m.Status |= StatStopDissect
	}
	p.l3Common(off, l3Len)
	p.l4(off, l4, hl, l3Len, nxt, later)
}

func map6(nxt uint8) Hdr {
	switch nxt {
	case ProtoHopOpts:
		return HdrHopOpts
	case ProtoDstOpts:
		return HdrDstOpts
	case ProtoRouting:
		return HdrRouting
	default:
		return HdrMobility
	}
}
