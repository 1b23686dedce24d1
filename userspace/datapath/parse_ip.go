package datapath

// IP protocol numbers.
const (
	ProtoHopOpts = 0
	ProtoICMP    = 1
	ProtoIGMP    = 2
	ProtoIPIP    = 4
	ProtoTCP     = 6
	ProtoUDP     = 17
	ProtoIPv6    = 41
	ProtoRouting = 43
	ProtoFrag    = 44
	ProtoGRE     = 47
	ProtoESP     = 50
	ProtoAH      = 51
	ProtoICMPv6  = 58
	ProtoNoNext  = 59
	ProtoDstOpts = 60
	ProtoOSPF    = 89
	ProtoPIM     = 103
	ProtoSCTP    = 132
	ProtoMobil   = 135
	ProtoUDPLite = 136
)

// UDP ports of decapsulated tunnels.
const (
	portTeredo = 3544
	portVXLAN  = 4789
	portGENEVE = 6081
	portUPNP   = 1900
)

// ipv4 decodes an IPv4 header at off (T2 dissembleIPv4Packet).
func (p *parser) ipv4(off uint32, depth int) {
	m := p.m
	m.Status |= StatIPv4Pkt
	if !p.has(off, 20) {
		m.addHdr(HdrIPv4)
		m.Status |= StatL3SnapLen | StatL3HdrShort | StatStopDissect
		return
	}
	if p.b[off]>>4 != 4 {
		m.addHdr(HdrIPvX)
		m.Status |= StatIPvX
	} else {
		m.addHdr(HdrIPv4)
	}
	ihl := uint32(p.b[off]&0x0f) << 2
	if ihl < 20 {
		m.Status |= StatIPv4HLShort
		return
	}
	fragOff := p.u16(off + 6)
	later := fragOff&0x1fff != 0
	proto := p.b[off+9]
	l4 := off + ihl
	if !later && depth < maxDepth && p.ipTunnel(off, l4, proto, depth) {
		return
	}
	m.resetL3()
	m.Status |= StatIPv4 // T2 marks the packet with its flow's IP version
	m.L3 = L3IPv4
	m.L3Off = off
	m.Key.EthType = EthIPv4
	*(*[4]byte)(m.Key.SrcIp[:4]) = [4]byte(p.b[off+12 : off+16])
	*(*[4]byte)(m.Key.DstIp[:4]) = [4]byte(p.b[off+16 : off+20])
	m.TTL = p.b[off+8]
	m.IPID = p.u16(off + 4)
	m.FragID = uint32(m.IPID)
	m.FragLater = later
	m.FragMore = fragOff&0x2000 != 0
	m.FragFirst = !later && m.FragMore
	if later {
		m.Status |= StatStopDissect
	}
	calcL3 := uint32(0)
	if p.raw > off {
		calcL3 = p.raw - off
	}
	l3Len := uint32(p.u16(off + 2))
	if l3Len == 0 && calcL3 != 0 {
		m.Status |= StatIPLenMismtch
	}
	if l3Len == 0 || l3Len > calcL3 {
		l3Len = calcL3 // TSO or a lying header: trust the frame (T2)
	}
	p.l3Common(off, l3Len)
	p.l4(off, l4, ihl, l3Len, proto, later)
}

// resetL3 forgets what an outer IP header set when an inner one takes over.
func (m *Meta) resetL3() {
	m.Key.SrcIp = [16]byte{}
	m.Key.DstIp = [16]byte{}
	m.Key.SrcPort, m.Key.DstPort = 0, 0
	m.TCPValid, m.TCPWinOK, m.FragFirst, m.FragLater, m.FragMore = false, false, false, false, false
	m.IPID, m.FragID = 0, 0
}

// l3Common applies T2's snap-length checks and the padding estimate.
func (p *parser) l3Common(off, l3Len uint32) {
	m := p.m
	snapL3 := uint32(len(p.b)) - off
	if snapL3 < l3Len {
		m.Status |= StatL3SnapLen
	}
	if l3Len < 20 {
		m.Status |= StatL3HdrShort
	}
	m.L2Len = l3Len + (off - p.l2)
	if p.raw <= minRawLen && p.raw >= l3Len+off {
		m.PadLen = p.raw - l3Len - off
	} else {
		m.PadLen = 0
	}
}

// l4 reads ports and TCP fields and computes the L7 length (section 5).
func (p *parser) l4(l3off, l4off, l3HdrLen, l3Len uint32, proto uint8, later bool) {
	m := p.m
	m.L4Proto = proto
	m.Key.L4Proto = proto
	snapped := m.Status&StatL3SnapLen != 0
	l4ToEnd := uint32(0)
	if uint32(len(p.b)) > l4off {
		l4ToEnd = uint32(len(p.b)) - l4off
	}
	var hdrOff uint32
	if !later {
		switch proto {
		case ProtoICMP, ProtoICMPv6:
			hdrOff = 8
		case ProtoTCP:
			if (snapped && l4ToEnd < 20) || !p.has(l4off, 13) {
				hdrOff = 20
			} else {
				hdrOff = uint32(p.b[l4off+12]>>4) << 2
			}
		case ProtoSCTP:
			hdrOff = 12
		case ProtoOSPF:
			hdrOff = 16
			if p.has(l4off, 1) && p.b[l4off] == 2 {
				hdrOff = 24
			}
		default:
			hdrOff = 8
		}
		if snapped && l4ToEnd < hdrOff {
			m.Status |= StatL4HdrShort
		}
	}
	if l3Len >= l3HdrLen+hdrOff {
		m.L7Len = l3Len - l3HdrLen - hdrOff
	} else {
		m.L7Len = 0
		m.Status |= StatL4HdrShort
	}
	if later {
		m.addHdrProto(proto)
		return
	}
	p.l4Ports(l4off, l3HdrLen, l3Len, proto)
}

// l4Ports fills the ports and TCP fields of a first (or only) fragment.
func (p *parser) l4Ports(l4off, l3HdrLen, l3Len uint32, proto uint8) {
	m := p.m
	switch proto {
	case ProtoTCP:
		m.addHdr(HdrTCP)
		if l3Len < l3HdrLen+20 || !p.has(l4off, 4) {
			m.Status |= StatL4HdrShort
			return
		}
		m.Key.SrcPort, m.Key.DstPort = p.u16(l4off), p.u16(l4off+2)
		p.upnp()
		if p.has(l4off, 14) {
			m.TCPValid = true
			m.TCPSeq = p.u32(l4off + 4)
			m.TCPAck = p.u32(l4off + 8)
			m.TCPFlags = p.b[l4off+13]
		}
		if p.has(l4off, 16) {
			m.TCPWinOK = true
			m.TCPWin = p.u16(l4off + 14)
		}
	case ProtoUDP, ProtoUDPLite:
		if proto == ProtoUDP {
			m.addHdr(HdrUDP)
		} else {
			m.addHdr(HdrUDPLite)
		}
		if l3Len < l3HdrLen+8 || !p.has(l4off, 4) {
			m.Status |= StatL4HdrShort
			return
		}
		m.Key.SrcPort, m.Key.DstPort = p.u16(l4off), p.u16(l4off+2)
		p.upnp()
	case ProtoSCTP:
		m.addHdr(HdrSCTP)
		m.Status |= StatSCTP
		if l3Len < l3HdrLen+16 || !p.has(l4off, 4) {
			m.Status |= StatL4HdrShort
			return
		}
		m.Key.SrcPort, m.Key.DstPort = p.u16(l4off), p.u16(l4off+2)
	default:
		m.addHdrProto(proto)
	}
}

func (p *parser) upnp() {
	m := p.m
	s, d := m.Key.SrcPort, m.Key.DstPort
	if (d == portUPNP && s > 1024) || (s == portUPNP && d > 1024) {
		m.addHdr(HdrSSDP)
		m.Status |= StatUPNP
	}
}

// addHdrProto records an L4 protocol without ports in the header stack.
func (m *Meta) addHdrProto(proto uint8) {
	switch proto {
	case ProtoTCP:
		m.addHdr(HdrTCP)
	case ProtoUDP:
		m.addHdr(HdrUDP)
	case ProtoICMP:
		m.addHdr(HdrICMP)
	case ProtoICMPv6:
		m.addHdr(HdrICMPv6)
	case ProtoIGMP:
		m.addHdr(HdrIGMP)
	case ProtoSCTP:
		m.addHdr(HdrSCTP)
	case ProtoESP:
		m.addHdr(HdrESP)
		m.Status |= StatIPsecESP
	case ProtoAH:
		m.addHdr(HdrAH)
		m.Status |= StatIPsecAH
	case ProtoOSPF:
		m.addHdr(HdrOSPF)
	case ProtoPIM:
		m.addHdr(HdrPIM)
	case ProtoGRE:
		m.addHdr(HdrGRE)
		m.Status |= StatGRE
	case ProtoUDPLite:
		m.addHdr(HdrUDPLite)
	default:
		m.addHdr(HdrData)
	}
}
