package capgen

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

func genBench(t testing.TB, cfg BenchConfig) ([]byte, *Truth) {
	t.Helper()
	var buf bytes.Buffer
	truth, err := WriteBench(&buf, cfg)
	if err != nil {
		t.Fatalf("write bench: %v", err)
	}
	return buf.Bytes(), truth
}

// smallBench is the scaled-down benchmark used by the tests.
func smallBench() BenchConfig {
	return BenchConfig{Packets: 20_000, Connections: 1_000, ZeroWindowEvery: 100, Live: 200}
}

func TestBenchCapture(t *testing.T) {
	tests := []struct {
		name string
		cfg  BenchConfig
	}{
		{"scaled-down default", smallBench()},
		{"uneven packets per connection", BenchConfig{Packets: 13_337, Connections: 1_000, Live: 1_000}},
		{"one connection at a time", BenchConfig{Packets: 2_000, Connections: 100, Live: 1, ZeroWindowEvery: 7}},
		{"largest frames", BenchConfig{Packets: 5_000, Connections: 200, FrameLen: maxFrameLen, Rate: 1_000}},
		{"smallest frames", BenchConfig{Packets: 5_000, Connections: 200, FrameLen: minFrameLen, ZeroWindowEvery: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, truth := genBench(t, tt.cfg)
			cfg := tt.cfg.withDefaults()
			pkts := readCapture(t, data)
			checkBenchFrames(t, cfg, truth, pkts)
			in := newInspector()
			infos := make([]ipInfo, len(pkts))
			isIP := make([]bool, len(pkts))
			for i, d := range pkts {
				infos[i], isIP[i] = in.inspect(t, d)
			}
			checkBenchConnections(t, cfg, truth, infos)
			checkStreams(t, infos, isIP)
			checkBenchChecksums(t, pkts, 7)
		})
	}
}

// checkBenchFrames checks counts, sizes and timestamps.
func checkBenchFrames(t *testing.T, cfg BenchConfig, truth *Truth, pkts []decoded) {
	t.Helper()
	if len(pkts) != cfg.Packets || truth.Packets != cfg.Packets {
		t.Fatalf("decoded %d packets, truth %d, config %d", len(pkts), truth.Packets, cfg.Packets)
	}
	if truth.Bytes != int64(cfg.Packets*cfg.FrameLen) {
		t.Errorf("truth bytes %d, want %d", truth.Bytes, cfg.Packets*cfg.FrameLen)
	}
	if truth.Dirs != nil {
		t.Error("bench truth has a per-direction map; it should be totals only")
	}
	for i, d := range pkts {
		if len(d.data) != cfg.FrameLen {
			t.Fatalf("packet %d: %d bytes, want %d", i+1, len(d.data), cfg.FrameLen)
		}
		if i > 0 && d.ts.Before(pkts[i-1].ts) {
			t.Fatalf("packet %d: timestamp %v before previous %v", i+1, d.ts, pkts[i-1].ts)
		}
	}
	if !pkts[0].ts.Equal(truth.First) || !pkts[len(pkts)-1].ts.Equal(truth.Last) {
		t.Errorf("capture spans %v..%v, truth %v..%v", pkts[0].ts, pkts[len(pkts)-1].ts, truth.First, truth.Last)
	}
	// The mean gap is 1/Rate; allow wide slack around the expected span.
	want := time.Duration(float64(cfg.Packets) / float64(cfg.Rate) * float64(time.Second))
	if span := truth.Last.Sub(truth.First); span < want/2 || span > want*2 {
		t.Errorf("capture spans %v, want about %v at %d packets/s", span, want, cfg.Rate)
	}
}

// checkBenchConnections checks that every connection has a handshake and a
// teardown, that zero windows come where promised, and how many were open
// at once.
func checkBenchConnections(t *testing.T, cfg BenchConfig, truth *Truth, infos []ipInfo) {
	t.Helper()
	type span struct{ first, last, syn, fin, low int }
	convs := make(map[DirKey]*span)
	for i, info := range infos {
		c := conv(info.key)
		s := convs[c]
		if s == nil {
			s = &span{first: i}
			convs[c] = s
		}
		s.last = i
		if info.flags&fSYN != 0 {
			s.syn++
		}
		if info.flags&fFIN != 0 {
			s.fin++
		}
		if info.window == 0 {
			s.low++
		}
	}
	if len(convs) != cfg.Connections || truth.TCPConns != cfg.Connections {
		t.Errorf("%d conversations, truth %d, config %d", len(convs), truth.TCPConns, cfg.Connections)
	}
	var low, lowConns int
	delta := make([]int, len(infos)+1)
	for c, s := range convs {
		if s.syn != 2 || s.fin != 2 {
			t.Errorf("%v: %d SYNs and %d FINs, want 2 and 2", c, s.syn, s.fin)
		}
		low += s.low
		if s.low > 0 {
			lowConns++
		}
		delta[s.first]++
		delta[s.last+1]--
	}
	wantConns := 0
	if cfg.ZeroWindowEvery > 0 {
		wantConns = (cfg.Connections + cfg.ZeroWindowEvery - 1) / cfg.ZeroWindowEvery
	}
	if lowConns != wantConns || truth.ZeroWindowConns != wantConns || low != truth.LowWindow || low != 2*wantConns {
		t.Errorf("zero-window connections %d (truth %d), packets %d (truth %d); want %d connections, 2 packets each",
			lowConns, truth.ZeroWindowConns, low, truth.LowWindow, wantConns)
	}
	open, peak := 0, 0
	for _, d := range delta {
		open += d
		peak = max(peak, open)
	}
	if peak > cfg.Live || peak < (cfg.Live+1)/2 {
		t.Errorf("at most %d connections open at once, want up to %d", peak, cfg.Live)
	}
}

// checkBenchChecksums verifies IPv4 and TCP checksums on every nth packet.
func checkBenchChecksums(t *testing.T, pkts []decoded, nth int) {
	t.Helper()
	for i := 0; i < len(pkts); i += nth {
		ip, ok := pkts[i].pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if !ok {
			t.Fatalf("packet %d: not IPv4", i+1)
		}
		if refChecksum(ip.Contents) != 0 {
			t.Errorf("packet %d: bad IPv4 header checksum", i+1)
		}
		info := newInspector().inspectV4(t, ip)
		ph := pseudoHeader(info.key.Src.Addr(), info.key.Dst.Addr(), ip.Protocol, len(ip.Payload))
		if refChecksum(ph, ip.Payload) != 0 {
			t.Errorf("packet %d: bad TCP checksum", i+1)
		}
	}
}

func TestBenchConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     BenchConfig
		wantErr bool
	}{
		{"zero value takes defaults", BenchConfig{}, false},
		{"too few packets per connection", BenchConfig{Packets: 1_000, Connections: 100}, true},
		{"frame too short for a SYN and data", BenchConfig{FrameLen: 60}, true},
		{"frame above the Ethernet MTU", BenchConfig{FrameLen: 9000}, true},
		{"more connections than client addresses", BenchConfig{Packets: 1 << 30, Connections: maxConnections + 1}, true},
		{"negative rate", BenchConfig{Rate: -1}, true},
		{"negative live count", BenchConfig{Live: -5}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Validate: %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				if _, werr := WriteBench(io.Discard, tt.cfg); werr == nil {
					t.Error("WriteBench accepted a config Validate rejects")
				}
			}
		})
	}
}

func TestBenchDefaults(t *testing.T) {
	d := DefaultBenchConfig()
	// The figures of the benchmark described in t2-semantics.md section 10.
	if d.Packets != 2_000_000 || d.Connections != 100_000 || d.FrameLen != 254 {
		t.Errorf("defaults %d packets, %d connections, %d-byte frames; want 2,000,000, 100,000, 254",
			d.Packets, d.Connections, d.FrameLen)
	}
	if got := (BenchConfig{}).withDefaults(); got != d {
		t.Errorf("zero config with defaults %+v, want %+v", got, d)
	}
}

func TestBenchDeterministic(t *testing.T) {
	a, _ := genBench(t, smallBench())
	b, _ := genBench(t, smallBench())
	if !bytes.Equal(a, b) {
		t.Error("same config wrote different bytes")
	}
	cfg := smallBench()
	cfg.Seed = 99
	if c, _ := genBench(t, cfg); bytes.Equal(a, c) {
		t.Error("different seeds wrote the same bytes")
	}
}

// TestBenchAllocations checks that the generator does not allocate per
// packet: doubling the packets must not change the allocation count.
func TestBenchAllocations(t *testing.T) {
	allocs := func(packets int) float64 {
		cfg := BenchConfig{Packets: packets, Connections: 500, Live: 100}
		return testing.AllocsPerRun(3, func() {
			if _, err := WriteBench(io.Discard, cfg); err != nil {
				t.Fatalf("write bench: %v", err)
			}
		})
	}
	small, large := allocs(10_000), allocs(20_000)
	if large-small > 5 {
		t.Errorf("%v allocations for 10,000 packets, %v for 20,000: allocating per packet", small, large)
	}
}

// BenchmarkWriteBench measures generation speed of the default 2M-packet
// capture written to io.Discard.
func BenchmarkWriteBench(b *testing.B) {
	cfg := DefaultBenchConfig()
	var packets int
	for b.Loop() {
		truth, err := WriteBench(io.Discard, cfg)
		if err != nil {
			b.Fatalf("write bench: %v", err)
		}
		packets += truth.Packets
	}
	b.ReportMetric(float64(packets)/b.Elapsed().Seconds(), "pkts/s")
	b.SetBytes(int64(cfg.Packets * (cfg.FrameLen + pcapRecHdrLen)))
}
