package capgen

import (
	"fmt"
	"time"
)

// Short units for the scenario timelines. The scenarios overlap in the
// first seconds, like a busy link; only the idle connection comes back later.
const (
	msec = time.Millisecond
	sec  = time.Second
)

// bulkDownload is an HTTP download: handshake, GET, 14 KB response, FIN.
func (b *sampleBuilder) bulkDownload() {
	c := b.newConn(500*msec, b.newHost("10.0.0.10", 64), b.newHost("192.168.10.20", 57), 80, 12*msec)
	c.handshake(synAckWindow)
	c.send(cli, fPSH|fACK, httpGet("www.example.com", "/index.html"))
	body := b.payload(14000)
	c.stream(srv, httpResponse(body, len(body)))
	c.closeFrom(cli)
}

// bulkUpload is an HTTP upload to port 8080 (which T2's direction heuristic
// treats as a server port): handshake, 12 KB POST, 201 response, FIN.
func (b *sampleBuilder) bulkUpload() {
	c := b.newConn(1200*msec, b.newHost("10.0.0.11", 64), b.newHost("198.51.100.20", 52), 8080, 25*msec)
	c.handshake(synAckWindow)
	body := b.payload(12000)
	req := fmt.Sprintf("POST /upload HTTP/1.1\r\nHost: upload.example.com\r\nContent-Type: application/octet-stream\r\n"+
		"Content-Length: %d\r\n\r\n", len(body))
	c.stream(cli, append([]byte(req), body...))
	c.send(srv, fPSH|fACK, []byte("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"))
	c.send(cli, fACK, nil)
	c.closeFrom(cli)
}

// stallDownload starts a download whose receiver stops reading: its ACKs
// shrink the window until one advertises 0 (window full). It returns the
// response segments and the index of the first one not yet sent.
func (b *sampleBuilder) stallDownload(c *tcpConn, path string, bodyLen, declared int) ([][]byte, int) {
	c.handshake(synAckWindow)
	c.send(cli, fPSH|fACK, httpGet("files.example.com", path))
	segs := c.chunks(httpResponse(b.payload(bodyLen), declared))
	// Raw windows (×128 bytes) after every second segment; each still covers
	// the two segments the server sends next.
	shrink := []uint16{96, 48, 24, 0}
	i := 0
	for ; i < 2*len(shrink); i++ {
		c.send(srv, fACK, segs[i])
		if i%2 == 1 {
			c.win[cli] = shrink[i/2]
			c.send(cli, fACK, nil)
		}
	}
	return segs, i
}

// zeroWindowRecovery stalls a download at window 0, lets the server's
// persist timer probe three times (each probe ACKed with window 0), then the
// receiver reads and sends a window update; the transfer completes.
func (b *sampleBuilder) zeroWindowRecovery() {
	c := b.newConn(2*sec, b.newHost("10.0.1.10", 64), b.newHost("192.168.20.30", 57), 80, 18*msec)
	segs, i := b.stallDownload(c, "/backup.tar", 18000, 18000)
	for _, d := range []time.Duration{200 * msec, 400 * msec, 800 * msec} {
		c.wait(d)
		c.probe(srv, segs[i][0])
		c.send(cli, fACK, nil)
	}
	c.wait(350 * msec)
	c.win[cli] = estWindow
	c.send(cli, fACK, nil)
	c.stream(srv, concat(segs[i:]))
	c.closeFrom(cli)
}

// zeroWindowStuck stalls a download at window 0 for good: the server probes
// with exponential backoff, every probe is ACKed with window 0, and the
// connection is still open at the end of the capture.
func (b *sampleBuilder) zeroWindowStuck() {
	c := b.newConn(3*sec, b.newHost("10.0.1.11", 64), b.newHost("192.168.20.31", 57), 80, 18*msec)
	segs, i := b.stallDownload(c, "/stuck.iso", 14000, 650000)
	for d := 200 * msec; d <= 6400*msec; d *= 2 {
		c.wait(d)
		c.probe(srv, segs[i][0])
		c.send(cli, fACK, nil)
	}
}

// refusedConnections are two SYNs to closed ports, answered by RST/ACK with
// window 0 (the bgp-4byte-asn pattern of t2-semantics.md section 0).
func (b *sampleBuilder) refusedConnections() {
	client := b.newHost("10.0.2.10", 64)
	b.newConn(4*sec, client, b.newHost("192.168.30.40", 63), 23, 2*msec).refuse()
	b.newConn(4500*msec, client, b.newHost("198.51.100.40", 49), 3306, 30*msec).refuse()
}

// synAckZeroWindow is a connection whose SYN/ACK advertises window 0; the
// server opens the window with an update before the client sends its request.
func (b *sampleBuilder) synAckZeroWindow() {
	c := b.newConn(5*sec, b.newHost("10.0.2.11", 64), b.newHost("192.168.30.41", 61), 80, 6*msec)
	c.handshake(0)
	c.send(srv, fACK, nil)
	c.send(cli, fPSH|fACK, httpGet("slow.example.com", "/"))
	body := b.payload(2500)
	c.stream(srv, httpResponse(body, len(body)))
	c.closeFrom(cli)
}

// shortGet is a small HTTP exchange: handshake, GET, one-segment response,
// client-initiated FIN.
func (b *sampleBuilder) shortGet(c *tcpConn, host string) {
	c.handshake(synAckWindow)
	c.send(cli, fPSH|fACK, httpGet(host, "/status"))
	body := b.payload(600)
	c.stream(srv, httpResponse(body, len(body)))
	c.closeFrom(cli)
}

// vlanConnection is an HTTP exchange on 802.1Q VLAN 100 with priority 3, so
// the raw TCI (0x6064) differs from the VID (t2-semantics.md section 8).
func (b *sampleBuilder) vlanConnection() {
	c := b.newConn(7*sec, b.newHost("10.0.100.10", 64), b.newHost("192.168.100.20", 63), 80, 3*msec)
	c.tags = []vlanTag{{tpid: 0x8100, tci: 3<<13 | 100}}
	b.shortGet(c, "vlan.example.com")
}

// qinqConnection is an HTTP exchange under two tags: 802.1ad outer VLAN 200,
// 802.1Q inner VLAN 2001 (as in the 802.1ad_QinQ reference capture).
func (b *sampleBuilder) qinqConnection() {
	c := b.newConn(7500*msec, b.newHost("10.0.200.10", 64), b.newHost("192.168.200.20", 63), 80, 4*msec)
	c.tags = []vlanTag{{tpid: 0x88a8, tci: 200}, {tpid: 0x8100, tci: 2001}}
	b.shortGet(c, "qinq.example.com")
}

// ipv6Connection is an IPv6 download whose receiver advertises window 0 once
// and reopens it 30 ms later.
func (b *sampleBuilder) ipv6Connection() {
	c := b.newConn(9*sec, b.newHost("2001:db8:1::10", 64), b.newHost("2001:db8:2::20", 58), 80, 15*msec)
	c.handshake(synAckWindow)
	c.send(cli, fPSH|fACK, httpGet("v6.example.com", "/data"))
	segs := c.chunks(httpResponse(b.payload(8000), 8000))
	c.stream(srv, concat(segs[:4]))
	c.win[cli] = 0
	c.send(cli, fACK, nil)
	c.wait(30 * msec)
	c.win[cli] = estWindow
	c.send(cli, fACK, nil)
	c.stream(srv, concat(segs[4:]))
	c.closeFrom(cli)
}

// fragmentedTCP is a connection whose ~900-byte response crosses a 576-byte
// MTU link without DF: two IPv4 fragments, the first holding the TCP header.
func (b *sampleBuilder) fragmentedTCP() {
	c := b.newConn(11*sec, b.newHost("10.0.3.11", 64), b.newHost("198.51.100.60", 50), 80, 40*msec)
	c.df[srv] = false
	c.handshake(synAckWindow)
	c.send(cli, fPSH|fACK, httpGet("legacy.example.com", "/"))
	body := b.payload(800)
	c.fragNext = 552
	c.send(srv, fPSH|fACK, httpResponse(body, len(body)))
	c.send(cli, fACK, nil)
	c.closeFrom(cli)
}

// idleConnection is a keep-alive HTTP connection that goes quiet for
// IdleGap after its first exchange and then resumes, so T2's timeout writes
// it as two flows per direction.
func (b *sampleBuilder) idleConnection() {
	c := b.newConn(1500*msec, b.newHost("10.0.4.10", 64), b.newHost("192.168.50.60", 57), 80, 10*msec)
	c.handshake(synAckWindow)
	c.send(cli, fPSH|fACK, httpGet("idle.example.com", "/first"))
	body := b.payload(3000)
	c.stream(srv, httpResponse(body, len(body)))
	c.wait(b.cfg.IdleGap)
	c.send(cli, fPSH|fACK, httpGet("idle.example.com", "/second"))
	body = b.payload(2000)
	c.stream(srv, httpResponse(body, len(body)))
	c.closeFrom(cli)
}

func concat(parts [][]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
