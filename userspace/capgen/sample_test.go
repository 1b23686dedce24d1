package capgen

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// sampleView is the default sample, decoded once per test.
type sampleView struct {
	pkts  []decoded
	infos []ipInfo
	isIP  []bool
	truth *Truth
}

func genSample(t *testing.T, cfg SampleConfig) ([]byte, *Truth) {
	t.Helper()
	var buf bytes.Buffer
	truth, err := WriteSample(&buf, cfg)
	if err != nil {
		t.Fatalf("write sample: %v", err)
	}
	return buf.Bytes(), truth
}

func newSampleView(t *testing.T) *sampleView {
	t.Helper()
	data, truth := genSample(t, DefaultSampleConfig())
	v := &sampleView{pkts: readCapture(t, data), truth: truth}
	in := newInspector()
	for _, d := range v.pkts {
		info, ok := in.inspect(t, d)
		v.infos = append(v.infos, info)
		v.isIP = append(v.isIP, ok)
	}
	return v
}

func TestSampleTruthMatchesDecode(t *testing.T) {
	v := newSampleView(t)
	got := make(map[DirKey]*DirTruth)
	var l2, low int
	for i, d := range v.pkts {
		if !v.isIP[i] {
			if d.pkt.Layer(layers.LayerTypeARP) == nil {
				t.Fatalf("packet %d: neither IP nor ARP", i+1)
			}
			l2++
			continue
		}
		info := v.infos[i]
		g := got[info.key]
		if g == nil {
			g = &DirTruth{}
			got[info.key] = g
		}
		g.Packets++
		g.Bytes += len(d.data)
		if info.hasTCP && info.window < 1 {
			g.LowWindow++
			low++
		}
	}
	if len(got) != len(v.truth.Dirs) {
		t.Errorf("decoded %d directions, truth has %d", len(got), len(v.truth.Dirs))
	}
	for k, w := range v.truth.Dirs {
		g := got[k]
		if g == nil {
			t.Errorf("%v: in truth, not in capture", k)
			continue
		}
		if g.Packets != w.Packets || g.Bytes != w.Bytes || g.LowWindow != w.LowWindow {
			t.Errorf("%v: decoded packets/bytes/low %d/%d/%d, truth %d/%d/%d",
				k, g.Packets, g.Bytes, g.LowWindow, w.Packets, w.Bytes, w.LowWindow)
		}
	}
	checkTotals(t, v, l2, low)
}

func checkTotals(t *testing.T, v *sampleView, l2, low int) {
	t.Helper()
	var bytes int64
	for i, d := range v.pkts {
		bytes += int64(len(d.data))
		if i > 0 && d.ts.Before(v.pkts[i-1].ts) {
			t.Errorf("packet %d: timestamp %v before previous %v", i+1, d.ts, v.pkts[i-1].ts)
		}
	}
	for _, c := range []struct {
		name      string
		got, want int64
	}{
		{"packets", int64(len(v.pkts)), int64(v.truth.Packets)},
		{"bytes", bytes, v.truth.Bytes},
		{"l2 packets", int64(l2), int64(v.truth.L2Packets)},
		{"low-window packets", int64(low), int64(v.truth.LowWindow)},
	} {
		if c.got != c.want {
			t.Errorf("%s: decoded %d, truth %d", c.name, c.got, c.want)
		}
	}
	if n := len(v.pkts); n < 150 || n > 1000 {
		t.Errorf("sample has %d packets, want a few hundred", n)
	}
	if first := v.pkts[0].ts; !first.Equal(v.truth.First) || !first.Equal(DefaultSampleConfig().Start) {
		t.Errorf("first timestamp %v, truth %v, config start %v", first, v.truth.First, DefaultSampleConfig().Start)
	}
	if last := v.pkts[len(v.pkts)-1].ts; !last.Equal(v.truth.Last) {
		t.Errorf("last timestamp %v, truth %v", last, v.truth.Last)
	}
}

func TestSampleChecksums(t *testing.T) {
	v := newSampleView(t)
	datagrams := make(map[fragID][]byte)
	checked := 0
	for i, info := range v.infos {
		if !v.isIP[i] {
			continue
		}
		var src, dst netip.Addr
		var proto layers.IPProtocol
		var l4 []byte
		if ip := info.ipv4; ip != nil {
			if refChecksum(ip.Contents) != 0 {
				t.Errorf("packet %d: bad IPv4 header checksum", i+1)
			}
			src, _ = netip.AddrFromSlice(ip.SrcIP.To4())
			dst, _ = netip.AddrFromSlice(ip.DstIP.To4())
			proto, l4 = ip.Protocol, ip.Payload
			id := fragID{src: src, dst: dst, id: ip.Id, proto: proto}
			if info.firstFrag || info.laterFrag {
				datagrams[id] = append(datagrams[id], ip.Payload...)
				if ip.Flags&layers.IPv4MoreFragments != 0 {
					continue
				}
				l4 = datagrams[id]
			}
		} else {
			ip6 := v.pkts[i].pkt.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
			src, _ = netip.AddrFromSlice(ip6.SrcIP)
			dst, _ = netip.AddrFromSlice(ip6.DstIP)
			proto, l4 = ip6.NextHeader, ip6.Payload
		}
		sum := refChecksum(l4)
		if proto != layers.IPProtocolICMPv4 {
			sum = refChecksum(pseudoHeader(src, dst, proto, len(l4)), l4)
		}
		if sum != 0 {
			t.Errorf("packet %d: bad %v checksum", i+1, proto)
		}
		checked++
	}
	if checked < len(v.pkts)/2 {
		t.Errorf("checked %d L4 checksums of %d packets", checked, len(v.pkts))
	}
}

func TestSampleDeterministic(t *testing.T) {
	a, ta := genSample(t, DefaultSampleConfig())
	b, tb := genSample(t, DefaultSampleConfig())
	if !bytes.Equal(a, b) {
		t.Error("same config wrote different bytes")
	}
	if !reflect.DeepEqual(ta, tb) {
		t.Error("same config returned different truth")
	}
	cfg := DefaultSampleConfig()
	cfg.Seed = 2
	c, tc := genSample(t, cfg)
	if bytes.Equal(a, c) {
		t.Error("seeds 1 and 2 wrote the same bytes")
	}
	if tc.Packets != ta.Packets || tc.LowWindow != ta.LowWindow || tc.TCPConns != ta.TCPConns {
		t.Errorf("seed changed the scenario: packets/low/conns %d/%d/%d vs %d/%d/%d",
			tc.Packets, tc.LowWindow, tc.TCPConns, ta.Packets, ta.LowWindow, ta.TCPConns)
	}
}

func TestSampleConfig(t *testing.T) {
	start := time.Date(2030, 1, 2, 3, 4, 5, 6789, time.UTC)
	tests := []struct {
		name    string
		cfg     SampleConfig
		wantErr bool
	}{
		{"zero value takes defaults", SampleConfig{}, false},
		{"custom start and gap", SampleConfig{Config: Config{Seed: 7, Start: start}, IdleGap: 200 * time.Second}, false},
		{"gap below the flow timeout", SampleConfig{IdleGap: 100 * time.Second}, true},
		{"negative gap", SampleConfig{IdleGap: -time.Second}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			truth, err := WriteSample(&buf, tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			want := tt.cfg.withDefaults()
			if !truth.First.Equal(want.Start) {
				t.Errorf("first packet at %v, want %v", truth.First, want.Start)
			}
			if span := truth.Last.Sub(truth.First); span < want.IdleGap {
				t.Errorf("capture spans %v, shorter than the idle gap %v", span, want.IdleGap)
			}
		})
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrorsAreReturned(t *testing.T) {
	if _, err := WriteSample(failWriter{}, DefaultSampleConfig()); err == nil {
		t.Error("WriteSample: no error from a failing writer")
	}
	if _, err := WriteBench(failWriter{}, BenchConfig{Packets: 13_000, Connections: 1000}); err == nil {
		t.Error("WriteBench: no error from a failing writer")
	}
}
