package datapath_test

import (
	"bytes"
	"testing"

	"github.com/flowtap/flowtap/userspace/capgen"
	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// benchFrames returns the frames of a small generated bench capture.
func benchFrames(b *testing.B) [][]byte {
	var buf bytes.Buffer
	cfg := capgen.DefaultBenchConfig()
	cfg.Packets, cfg.Connections = 20_000, 1_000
	if _, err := capgen.WriteBench(&buf, cfg); err != nil {
		b.Fatal(err)
	}
	rd, err := capture.NewReader(&buf, "bench", -1)
	if err != nil {
		b.Fatal(err)
	}
	var frames [][]byte
	var p capture.Packet
	for rd.Next(&p) == nil {
		frames = append(frames, append([]byte(nil), p.Data...))
	}
	return frames
}

// BenchmarkParse is the cost of decoding one Ethernet/IPv4/TCP frame.
func BenchmarkParse(b *testing.B) { benchParseFrames(b, benchFrames(b)) }

// BenchmarkParseUDP is the cost of decoding one Ethernet/IPv4/UDP frame:
// the bench frames with their IP protocol turned into UDP (Parse checks no
// checksum, so the TCP header reads as a UDP one).
func BenchmarkParseUDP(b *testing.B) {
	frames := benchFrames(b)
	for _, f := range frames {
		f[14+9] = datapath.ProtoUDP
	}
	benchParseFrames(b, frames)
}

// benchParseFrames parses the Ethernet frames round robin.
func benchParseFrames(b *testing.B, frames [][]byte) {
	var m datapath.Meta
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f := frames[i%len(frames)]
		datapath.Parse(&m, f, uint32(len(f)), datapath.LinkEthernet)
		i++
	}
}

// BenchmarkParseCaptures is the mean cost of decoding a frame of the shared
// captures: every link type and encapsulation, the fast and the general
// path. Cache misses on the frames weigh more here than in BenchmarkParse.
func BenchmarkParseCaptures(b *testing.B) {
	type frame struct {
		data []byte
		orig uint32
		link uint32
	}
	var frames []frame
	for _, path := range testenv.SharedPcaps(b) {
		// A damaged capture still gives the frames before the damage.
		c, _ := readFirstFrames(path, 0)
		for _, f := range c.Frames {
			frames = append(frames, frame{f.Data, uint32(f.Info.Length), uint32(c.Link)})
		}
	}
	var m datapath.Meta
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f := &frames[i%len(frames)]
		datapath.Parse(&m, f.data, f.orig, f.link)
		i++
	}
}

// BenchmarkUpdate is the cost of applying one parsed TCP packet to its
// flow state (basicFlow, basicStats, tcpStates, tcpWin, pcapd).
func BenchmarkUpdate(b *testing.B) {
	frames := benchFrames(b)
	metas := make([]datapath.Meta, len(frames))
	for i, f := range frames {
		datapath.Parse(&metas[i], f, uint32(len(f)), datapath.LinkEthernet)
	}
	cfg := &datapath.Config{FlowTimeoutNs: 182e9, TCPWinThres: 1, PDEq: true}
	var st, opp datapath.State
	datapath.InitFlow(&st, &metas[0], 1, cfg)
	b.ReportAllocs()
	ts := uint64(1)
	i := 0
	for b.Loop() {
		ts += 1000
		datapath.Update(&st, &opp, &metas[i%len(metas)], ts, false, cfg)
		i++
	}
}
