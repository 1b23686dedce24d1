package capgen

import (
	"fmt"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// Connection sides, used as indices into tcpConn's per-side arrays.
const (
	cli = 0
	srv = 1
)

// TCP flag bits as they appear in the header's flags byte.
const (
	fFIN = 0x01
	fSYN = 0x02
	fRST = 0x04
	fPSH = 0x08
	fACK = 0x10
)

// Windows: Linux-like initial windows, and the raw (scaled by 2^7) windows of
// an established connection.
const (
	synWindow    = 64240
	synAckWindow = 65160
	windowScale  = 7
	estWindow    = 502
)

// tcpConn tracks one TCP connection seen from a capture point next to the
// client: sequence state per side and the connection's own clock.
type tcpConn struct {
	b    *sampleBuilder
	h    [2]*host
	port [2]uint16
	tags []vlanTag
	nxt  [2]uint32 // next sequence number each side sends
	win  [2]uint16 // raw window each side advertises
	df   [2]bool
	at   time.Duration
	rtt  time.Duration
	last int // side of the previous segment; -1 before the first
	// fragNext, when positive, fragments the next segment into IP payloads
	// of this many bytes.
	fragNext int
}

func (b *sampleBuilder) newConn(at time.Duration, c, s *host, sport uint16, rtt time.Duration) *tcpConn {
	return &tcpConn{
		b:    b,
		h:    [2]*host{c, s},
		port: [2]uint16{b.ephemeralPort(), sport},
		nxt:  [2]uint32{b.rng.Uint32(), b.rng.Uint32()},
		win:  [2]uint16{synWindow, synAckWindow},
		df:   [2]bool{true, true},
		at:   at,
		rtt:  rtt,
		last: -1,
	}
}

// mss is the MSS each side announces: a 1500-byte MTU minus IP and TCP headers.
func (c *tcpConn) mss() int {
	if c.h[cli].ip.Is6() {
		return 1440
	}
	return 1460
}

// advance moves the connection clock before a segment from side: a full RTT
// when the server answers the client, little when the client answers (the
// capture point is next to it), and a few µs between back-to-back segments.
func (c *tcpConn) advance(from int) {
	switch {
	case c.last == -1:
	case from == srv && c.last == cli:
		c.at += c.b.jitter(c.rtt)
	case from != c.last:
		c.at += c.b.jitter(150 * time.Microsecond)
	default:
		c.at += c.b.jitter(40 * time.Microsecond)
	}
	c.last = from
}

// send emits a segment from side and advances that side's sequence number.
func (c *tcpConn) send(from int, flags uint8, payload []byte) {
	c.segment(from, flags, c.nxt[from], payload)
	c.nxt[from] += uint32(len(payload))
	if flags&(fSYN|fFIN) != 0 {
		c.nxt[from]++
	}
}

// probe emits a one-byte zero-window probe: the next byte of data, which the
// receiver does not accept, so the sequence number does not advance.
func (c *tcpConn) probe(from int, next byte) {
	c.segment(from, fACK, c.nxt[from], []byte{next})
}

func (c *tcpConn) segment(from int, flags uint8, seq uint32, payload []byte) {
	if c.b.err != nil {
		return
	}
	c.advance(from)
	to := 1 - from
	t := &layers.TCP{
		SrcPort: layers.TCPPort(c.port[from]),
		DstPort: layers.TCPPort(c.port[to]),
		Seq:     seq,
		Window:  c.win[from],
		FIN:     flags&fFIN != 0,
		SYN:     flags&fSYN != 0,
		RST:     flags&fRST != 0,
		PSH:     flags&fPSH != 0,
		ACK:     flags&fACK != 0,
	}
	if t.ACK {
		t.Ack = c.nxt[to]
	}
	if t.SYN {
		t.Options = c.synOptions()
	}
	p := ipPacket{
		at: c.at, src: c.h[from], dst: c.h[to], tags: c.tags, proto: protoTCP,
		sport: c.port[from], dport: c.port[to], l4: t, payload: payload,
		df: c.df[from], fragSize: c.fragNext, lowWin: t.Window < 1,
	}
	c.fragNext = 0
	if err := c.b.emitIP(p); err != nil {
		c.b.err = fmt.Errorf("tcp %v:%d: %w", c.h[cli].ip, c.port[cli], err)
	}
}

// synOptions are a Linux-like SYN's options without timestamps: MSS, SACK
// permitted and window scale (the tshark "MSS, SACK_PERM, WS" pattern).
func (c *tcpConn) synOptions() []layers.TCPOption {
	mss := uint16(c.mss())
	return []layers.TCPOption{
		{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{byte(mss >> 8), byte(mss)}},
		{OptionType: layers.TCPOptionKindNop},
		{OptionType: layers.TCPOptionKindNop},
		{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
		{OptionType: layers.TCPOptionKindNop},
		{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{windowScale}},
	}
}

// handshake runs SYN, SYN/ACK (advertising synAckWin) and ACK, then switches
// both sides to scaled established windows.
func (c *tcpConn) handshake(synAckWin uint16) {
	c.send(cli, fSYN, nil)
	c.win[srv] = synAckWin
	c.send(srv, fSYN|fACK, nil)
	c.win[cli] = estWindow
	c.send(cli, fACK, nil)
	c.win[srv] = estWindow + 7
}

// stream sends data from side in MSS-sized segments; the peer ACKs every
// second segment and the last one (delayed ACK).
func (c *tcpConn) stream(from int, data []byte) {
	segs := c.chunks(data)
	for i, s := range segs {
		flags := uint8(fACK)
		if i == len(segs)-1 {
			flags |= fPSH
		}
		c.send(from, flags, s)
		if i%2 == 1 || i == len(segs)-1 {
			c.send(1-from, fACK, nil)
		}
	}
}

// chunks splits data into MSS-sized pieces.
func (c *tcpConn) chunks(data []byte) [][]byte {
	var out [][]byte
	for len(data) > 0 {
		n := min(len(data), c.mss())
		out = append(out, data[:n])
		data = data[n:]
	}
	return out
}

// closeFrom runs a FIN teardown initiated by side from.
func (c *tcpConn) closeFrom(from int) {
	c.send(from, fFIN|fACK, nil)
	c.send(1-from, fACK, nil)
	c.send(1-from, fFIN|fACK, nil)
	c.send(from, fACK, nil)
}

// refuse sends a SYN answered by RST/ACK, as a host does for a closed port:
// sequence 0, window 0.
func (c *tcpConn) refuse() {
	c.send(cli, fSYN, nil)
	c.nxt[srv] = 0
	c.win[srv] = 0
	c.send(srv, fRST|fACK, nil)
}

// wait lets time pass on the connection clock.
func (c *tcpConn) wait(d time.Duration) {
	c.at += d
}

// httpGet is a minimal HTTP/1.1 request.
func httpGet(host, path string) []byte {
	return []byte("GET " + path + " HTTP/1.1\r\nHost: " + host +
		"\r\nUser-Agent: capgen/1.0\r\nAccept: */*\r\n\r\n")
}

// httpResponse is a 200 response whose header announces declared body bytes
// and which carries body (which may be shorter, for stalled transfers).
func httpResponse(body []byte, declared int) []byte {
	h := fmt.Sprintf("HTTP/1.1 200 OK\r\nServer: capgen\r\nContent-Type: application/octet-stream\r\n"+
		"Content-Length: %d\r\n\r\n", declared)
	return append([]byte(h), body...)
}
