package capgen

import "encoding/binary"

// Header sizes of the bench frames: Ethernet, IPv4 without options, TCP
// without options, and the SYN options (MSS, NOP, NOP, SACK permitted, NOP,
// window scale: 12 bytes, as on the sample's SYNs).
const (
	ethLen    = 14
	ipv4Len   = 20
	tcpLen    = 20
	synOptLen = 12
	benchMSS  = 1460
)

// segPlan is what a connection sends next.
type segPlan struct {
	from   int
	flags  uint8
	payLen int
	win    uint16
}

// plan returns packet number c.sent of a connection of c.total packets:
//
//	0 SYN, 1 SYN/ACK, 2 ACK, 3 request (client data),
//	then data: two server segments per client segment,
//	last 4: client FIN/ACK, server ACK, server FIN/ACK, client ACK.
//
// A zero-window connection replaces data slots 2–4 with two client ACKs
// advertising window 0 and a window update.
func (g *benchGen) plan(c *benchConn) segPlan {
	data := g.cfg.FrameLen - ethLen - ipv4Len - tcpLen
	i, n := c.sent, c.total
	switch {
	case i == 0:
		return segPlan{from: cli, flags: fSYN, win: synWindow}
	case i == 1:
		return segPlan{from: srv, flags: fSYN | fACK, win: synAckWindow}
	case i == 2:
		return segPlan{from: cli, flags: fACK, win: estWindow}
	case i == 3:
		return segPlan{from: cli, flags: fPSH | fACK, payLen: data, win: estWindow}
	case i == n-4:
		return segPlan{from: cli, flags: fFIN | fACK, win: estWindow}
	case i == n-3:
		return segPlan{from: srv, flags: fACK, win: estWindow + 7}
	case i == n-2:
		return segPlan{from: srv, flags: fFIN | fACK, win: estWindow + 7}
	case i == n-1:
		return segPlan{from: cli, flags: fACK, win: estWindow}
	}
	k := i - 4
	if c.zeroWin && k >= 2 && k <= 4 {
		p := segPlan{from: cli, flags: fACK, win: estWindow}
		if k < 4 {
			p.win = 0
		}
		return p
	}
	if k%3 == 2 {
		return segPlan{from: cli, flags: fPSH | fACK, payLen: data, win: estWindow}
	}
	return segPlan{from: srv, flags: fPSH | fACK, payLen: data, win: estWindow + 7}
}

// buildFrame writes the frame of s into dst (len FrameLen) and advances the
// connection's sequence and IP ID state.
func (g *benchGen) buildFrame(dst []byte, c *benchConn, s segPlan) {
	from, to := s.from, 1-s.from
	hl := tcpLen
	if s.flags&fSYN != 0 {
		hl += synOptLen
	}
	segLen := hl + s.payLen
	// Ethernet: a router pair with locally administered MACs, the client
	// side 02:00:5e:00:00:01, the server side ...:02.
	eth := dst[:ethLen]
	eth[0], eth[1], eth[2], eth[3], eth[4], eth[5] = 0x02, 0x00, 0x5e, 0x00, 0x00, byte(1+to)
	eth[6], eth[7], eth[8], eth[9], eth[10], eth[11] = 0x02, 0x00, 0x5e, 0x00, 0x00, byte(1+from)
	binary.BigEndian.PutUint16(eth[12:], 0x0800)

	ip := dst[ethLen : ethLen+ipv4Len]
	c.ipID[from]++
	ip[0], ip[1] = 0x45, 0
	binary.BigEndian.PutUint16(ip[2:], uint16(ipv4Len+segLen))
	binary.BigEndian.PutUint16(ip[4:], c.ipID[from])
	binary.BigEndian.PutUint16(ip[6:], 0x4000) // DF, offset 0
	ip[8], ip[9] = c.ttl[from], uint8(protoTCP)
	ip[10], ip[11] = 0, 0
	copy(ip[12:16], c.ip[from][:])
	copy(ip[16:20], c.ip[to][:])
	binary.BigEndian.PutUint16(ip[10:], csumFold(csumAdd(0, ip)))

	off := ethLen + ipv4Len
	tcp := dst[off : off+segLen]
	g.tcpHeader(tcp[:hl], c, s)
	if s.payLen > 0 {
		// Vary the payload with the sequence number; even offsets only, so
		// the copy stays cheap and deterministic.
		p := int(c.nxt[from]%payloadBlock) &^ 1
		copy(tcp[hl:], g.payload[p:p+s.payLen])
	}
	clear(dst[off+segLen:])
	sum := ipv4PseudoSum(c.ip[from], c.ip[to], uint8(protoTCP), segLen)
	binary.BigEndian.PutUint16(tcp[16:], csumFold(csumAdd(sum, tcp)))

	c.nxt[from] += uint32(s.payLen)
	if s.flags&(fSYN|fFIN) != 0 {
		c.nxt[from]++
	}
}

// tcpHeader writes the TCP header (checksum zero) into h, which is 20 bytes,
// or 32 for a SYN.
func (g *benchGen) tcpHeader(h []byte, c *benchConn, s segPlan) {
	from, to := s.from, 1-s.from
	binary.BigEndian.PutUint16(h[0:], c.port[from])
	binary.BigEndian.PutUint16(h[2:], c.port[to])
	binary.BigEndian.PutUint32(h[4:], c.nxt[from])
	var ack uint32
	if s.flags&fACK != 0 {
		ack = c.nxt[to]
	}
	binary.BigEndian.PutUint32(h[8:], ack)
	h[12], h[13] = byte(len(h)/4)<<4, s.flags
	binary.BigEndian.PutUint16(h[14:], s.win)
	h[16], h[17], h[18], h[19] = 0, 0, 0, 0 // checksum, urgent pointer
	if len(h) > tcpLen {
		o := h[tcpLen:]
		o[0], o[1], o[2], o[3] = 2, 4, benchMSS>>8, benchMSS&0xff // MSS
		o[4], o[5], o[6], o[7] = 1, 1, 4, 2                       // NOP, NOP, SACK permitted
		o[8], o[9], o[10], o[11] = 1, 3, 3, windowScale           // NOP, window scale
	}
}
