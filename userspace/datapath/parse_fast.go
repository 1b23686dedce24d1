package datapath

import "encoding/binary"

// The fast path decodes one frame shape, the bulk of most captures: an
// untagged Ethernet header, an IPv4 header without options that is not a
// fragment, then TCP or UDP with the fixed L4 header captured.
const (
	fastIPOff  = 14
	fastL4Off  = fastIPOff + 20
	fastUDPEnd = fastL4Off + 8  // captured bytes a UDP frame needs
	fastTCPEnd = fastL4Off + 20 // captured bytes a TCP frame needs
)

// parseFast decodes a frame of the fast-path shape into m and reports
// true. For any other frame it returns false before touching m, and Parse
// takes the general path. Its result must equal the general path's in
// every field (parse_fast_test.go checks it on every shared capture):
// it is the general path with the branches this shape cannot take folded
// away, and with one bounds check per header instead of one per field.
func parseFast(m *Meta, b []byte, raw uint32) bool {
	if len(b) < fastUDPEnd {
		return false
	}
	h := b[:fastUDPEnd]
	// Ethertype IPv4, version 4 and IHL 5 in one load; TOS is ignored.
	if binary.BigEndian.Uint32(h[12:16])>>8 != EthIPv4<<8|0x45 {
		return false
	}
	if binary.BigEndian.Uint16(h[20:22])&0x3fff != 0 { // MF or an offset
		return false
	}
	proto := h[23]
	switch proto {
	case ProtoTCP:
		if len(b) < fastTCPEnd {
			return false
		}
	case ProtoUDP:
		// The general path may decapsulate these; leave them to it.
		if udpTunnelPort(binary.BigEndian.Uint16(h[34:36])) ||
			udpTunnelPort(binary.BigEndian.Uint16(h[36:38])) {
			return false
		}
	default:
		return false
	}
	m.reset()
	m.capLen = uint32(len(b))
	m.DstMAC = [6]byte(h[0:6])
	m.SrcMAC = [6]byte(h[6:12])
	m.HasMAC = true
	m.OuterEthType = EthIPv4
	m.L3 = L3IPv4
	m.L3Off = fastIPOff
	m.Key.EthType = EthIPv4
	*(*[4]byte)(m.Key.SrcIp[:4]) = [4]byte(h[26:30])
	*(*[4]byte)(m.Key.DstIp[:4]) = [4]byte(h[30:34])
	m.TTL = h[22]
	m.IPID = binary.BigEndian.Uint16(h[18:20])
	m.FragID = uint32(m.IPID)
	m.Hdrs[0], m.Hdrs[1] = uint8(HdrEth), uint8(HdrIPv4)
	m.L4Proto, m.Key.L4Proto = proto, proto
	fastL4(m, b, raw, uint32(binary.BigEndian.Uint16(h[16:18])), proto)
	return true
}

// udpTunnelPort reports whether a UDP port may carry a tunnel the general
// path follows (udpTunnel).
func udpTunnelPort(port uint16) bool {
	return port == portVXLAN || port == portGENEVE || port == portTeredo
}

// fastL4 finishes a fast-path frame: the lengths and snap-length bits of
// ipv4 and l3Common, then those of l4 and l4Ports. ipLen is the IPv4
// total length field.
func fastL4(m *Meta, b []byte, raw, ipLen uint32, proto uint8) {
	status := StatIPv4Pkt | StatIPv4
	calcL3 := uint32(0)
	if raw > fastIPOff {
		calcL3 = raw - fastIPOff
	}
	l3Len := ipLen
	if l3Len == 0 && calcL3 != 0 {
		status |= StatIPLenMismtch
	}
	if l3Len == 0 || l3Len > calcL3 {
		l3Len = calcL3
	}
	snapped := uint32(len(b))-fastIPOff < l3Len
	if snapped {
		status |= StatL3SnapLen
	}
	if l3Len < 20 {
		status |= StatL3HdrShort
	}
	m.L2Len = l3Len + fastIPOff
	if raw <= minRawLen && raw >= l3Len+fastIPOff {
		m.PadLen = raw - l3Len - fastIPOff
	}
	l4ToEnd := uint32(len(b)) - fastL4Off
	hdrOff, minLen, hdr := uint32(8), uint32(28), HdrUDP
	if proto == ProtoTCP {
		// parseFast checked that the whole fixed TCP header is captured.
		hdrOff, minLen, hdr = uint32(b[fastL4Off+12]>>4)<<2, 40, HdrTCP
	}
	if snapped && l4ToEnd < hdrOff {
		status |= StatL4HdrShort
	}
	if l3Len >= 20+hdrOff {
		m.L7Len = l3Len - 20 - hdrOff
	} else {
		status |= StatL4HdrShort
	}
	m.Hdrs[2] = uint8(hdr)
	n := uint8(3)
	if l3Len < minLen {
		status |= StatL4HdrShort // no ports: T2 stops at the short header
	} else {
		n, status = fastPorts(m, b, proto, status)
	}
	m.NHdrs, m.HdrCnt = n, uint16(n)
	m.Status = status
}

// fastPorts reads the ports and, for TCP, the fields of the fixed header
// (l4Ports and upnp); it returns the header count and the status.
func fastPorts(m *Meta, b []byte, proto uint8, status uint64) (uint8, uint64) {
	l4 := b[fastL4Off:fastUDPEnd]
	s, d := binary.BigEndian.Uint16(l4[0:2]), binary.BigEndian.Uint16(l4[2:4])
	m.Key.SrcPort, m.Key.DstPort = s, d
	if proto == ProtoTCP {
		t := b[fastL4Off:fastTCPEnd]
		m.TCPValid = true
		m.TCPSeq = binary.BigEndian.Uint32(t[4:8])
		m.TCPAck = binary.BigEndian.Uint32(t[8:12])
		m.TCPFlags = t[13]
		m.TCPWinOK = true
		m.TCPWin = binary.BigEndian.Uint16(t[14:16])
	}
	if (d == portUPNP && s > 1024) || (s == portUPNP && d > 1024) {
		m.Hdrs[3] = uint8(HdrSSDP)
		return 4, status | StatUPNP
	}
	return 3, status
}
