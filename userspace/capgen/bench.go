package capgen

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// WriteBench writes a benchmark capture to w: cfg.Packets Ethernet/IPv4/TCP
// frames of exactly cfg.FrameLen bytes, from cfg.Connections interleaved
// connections (handshake, data both ways, FIN teardown), cfg.Live of them
// open at any time. Data segments carry FrameLen−54 payload bytes; shorter
// segments (SYN, ACK, FIN) are zero-padded after the IP datagram, like
// Ethernet padding, so the capture's byte rate is exactly FrameLen × rate.
//
// Frames are built in place in the output buffer: the generator does not
// allocate per packet. The returned Truth has totals only (Dirs is nil).
func WriteBench(w io.Writer, cfg BenchConfig) (*Truth, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bench config: %w", err)
	}
	cfg = cfg.withDefaults()
	pw, err := newPcapWriter(w, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("write bench header: %w", err)
	}
	g := newBenchGen(cfg)
	if err := g.run(pw); err != nil {
		return nil, fmt.Errorf("write bench capture: %w", err)
	}
	if err := pw.flush(); err != nil {
		return nil, fmt.Errorf("write bench capture: %w", err)
	}
	return g.truth, nil
}

// benchConn is one live connection: addresses and sequence state per side
// (index cli or srv) and its packet plan.
type benchConn struct {
	ip      [2][4]byte
	port    [2]uint16
	nxt     [2]uint32
	ipID    [2]uint16
	ttl     [2]uint8
	sent    uint32 // packets emitted so far
	total   uint32 // packets planned
	zeroWin bool
}

type benchGen struct {
	cfg     BenchConfig
	rng     *rand.Rand
	payload []byte // random block that data segments copy from
	live    []benchConn
	opened  int   // connections opened so far
	gapMax  int64 // largest gap between packets, ns: twice the mean
	truth   *Truth
}

func newBenchGen(cfg BenchConfig) *benchGen {
	g := &benchGen{
		cfg:    cfg,
		rng:    rand.New(rand.NewPCG(uint64(cfg.Seed), 0x62656e6368)), // "bench"
		live:   make([]benchConn, 0, cfg.Live),
		gapMax: max(1, 2_000_000_000/int64(cfg.Rate)),
		truth:  &Truth{TCPConns: cfg.Connections},
	}
	g.payload = make([]byte, payloadBlock+cfg.FrameLen)
	for i := range g.payload {
		g.payload[i] = byte(g.rng.Uint32())
	}
	for range cfg.Live {
		g.live = append(g.live, g.open())
	}
	return g
}

// payloadBlock is the span of payload start offsets; it keeps consecutive
// segments from carrying identical bytes.
const payloadBlock = 4096

// packetsFor spreads cfg.Packets over the connections: every connection
// gets the quotient, the first Packets mod Connections one more.
func (g *benchGen) packetsFor(i int) uint32 {
	n := g.cfg.Packets / g.cfg.Connections
	if i < g.cfg.Packets%g.cfg.Connections {
		n++
	}
	return uint32(n)
}

// open creates connection number g.opened. The client address and port
// come from the connection number, so no two connections share a 4-tuple:
// 16 port ranges of 1024 per client address, 2^20 addresses in 10/8.
func (g *benchGen) open() benchConn {
	i := g.opened
	g.opened++
	c := benchConn{
		// Server ports whose dissectors accept arbitrary bytes, so tshark
		// reports no malformed packets on random payloads.
		port:  [2]uint16{uint16(32768 + (i&15)*1024 + g.rng.IntN(1024)), [...]uint16{5001, 5002, 9001}[g.rng.IntN(3)]},
		nxt:   [2]uint32{g.rng.Uint32(), g.rng.Uint32()},
		ipID:  [2]uint16{uint16(g.rng.Uint32()), uint16(g.rng.Uint32())},
		ttl:   [2]uint8{64, uint8(44 + g.rng.IntN(20))},
		total: g.packetsFor(i),
	}
	cl := uint32(10)<<24 | uint32(1+i>>4)
	c.ip[cli] = [4]byte{byte(cl >> 24), byte(cl >> 16), byte(cl >> 8), byte(cl)}
	// Servers: 254 hosts each in 192.168.100.0/24 and 198.51.100.0/24.
	s := g.rng.IntN(2 * 254)
	if s < 254 {
		c.ip[srv] = [4]byte{192, 168, 100, byte(1 + s)}
	} else {
		c.ip[srv] = [4]byte{198, 51, 100, byte(1 + s - 254)}
	}
	if g.cfg.ZeroWindowEvery > 0 && i%g.cfg.ZeroWindowEvery == 0 {
		c.zeroWin = true
		g.truth.ZeroWindowConns++
	}
	return c
}

// run emits packets, each from a connection drawn at random among the live
// ones, until every connection is closed.
func (g *benchGen) run(pw *pcapWriter) error {
	startUsec := g.cfg.Start.UnixMicro()
	var clock int64 // ns since Start
	for len(g.live) > 0 {
		if g.truth.Packets > 0 {
			clock += g.rng.Int64N(g.gapMax + 1)
		}
		j := g.rng.IntN(len(g.live))
		c := &g.live[j]
		dst, err := pw.reserve(startUsec+clock/1000, g.cfg.FrameLen)
		if err != nil {
			return err
		}
		s := g.plan(c)
		g.buildFrame(dst, c, s)
		if s.win < 1 {
			g.truth.LowWindow++
		}
		c.sent++
		g.truth.Packets++
		if c.sent == c.total {
			if g.opened < g.cfg.Connections {
				*c = g.open()
			} else {
				last := len(g.live) - 1
				g.live[j] = g.live[last]
				g.live = g.live[:last]
			}
		}
	}
	g.truth.Bytes = int64(g.truth.Packets) * int64(g.cfg.FrameLen)
	g.truth.First = g.cfg.Start
	g.truth.Last = g.cfg.Start.Add(time.Duration(clock).Truncate(time.Microsecond))
	return nil
}
