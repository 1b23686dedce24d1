package main

// The bundled sample capture against the generator's ground truth: the
// file must be what capgen writes today, and flowtap's flow lines must add
// up, per direction, to the packets and low-window packets capgen wrote.

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/flowtap/flowtap/userspace/capgen"
)

// sampleGenerate returns capgen's default sample and its ground truth.
func sampleGenerate(t *testing.T) ([]byte, *capgen.Truth) {
	t.Helper()
	var buf bytes.Buffer
	truth, err := capgen.WriteSample(&buf, capgen.DefaultSampleConfig())
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), truth
}

// TestSampleUpToDate checks that testdata/sample.pcap is exactly what the
// generator writes with its default configuration.
func TestSampleUpToDate(t *testing.T) {
	want, _ := sampleGenerate(t)
	got, err := os.ReadFile(cliSample(t))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("testdata/sample.pcap (%d bytes) differs from capgen.WriteSample(DefaultSampleConfig()) (%d bytes) at byte %d: run make sample",
			len(got), len(want), firstDiff(got, want))
	}
}

// TestGenWritesDefaultSample checks that `flowtap gen -o FILE`, which
// `make sample` runs, writes capgen's default sample.
func TestGenWritesDefaultSample(t *testing.T) {
	want, _ := sampleGenerate(t)
	out := filepath.Join(t.TempDir(), "s.pcap")
	code, _, stderr := cliRun(t, "gen", "-o", out)
	if code != 0 {
		t.Fatalf("flowtap gen: exit %d: %s", code, stderr)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("flowtap gen -o writes %d bytes that differ from capgen.WriteSample(DefaultSampleConfig()) (%d bytes) at byte %d",
			len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// sampleDir sums flow lines of one IP direction.
type sampleDir struct {
	pkts, lowWin, lines, alarmLines int
}

// TestSampleMatchesTruth runs flowtap on the sample and compares, per
// directional 5-tuple summed over flow lines, the packet and low-window
// counts with capgen's Truth.Dirs; the directions with an FL_ALARM line
// must be exactly those with LowWindow > 0.
func TestSampleMatchesTruth(t *testing.T) {
	gen, truth := sampleGenerate(t)
	inputs := []struct {
		name string
		path func(t *testing.T) string
	}{
		{"generated", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "gen.pcap")
			cliWrite(t, p, gen)
			return p
		}},
		{"testdata/sample.pcap", func(t *testing.T) string {
			p := cliSample(t)
			if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, gen) {
				t.Fatalf("testdata/sample.pcap is not the generator's default sample, so Truth does not describe it: run make sample")
			}
			return p
		}},
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			path := in.path(t)
			prefix := filepath.Join(t.TempDir(), "s")
			code, _, stderr := cliRun(t, "-r", path, "-w", prefix)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			got, l2 := sampleTally(t, prefix+"_flows.txt")
			compareTruth(t, truth, got, l2)
		})
	}
}

// sampleTally sums the flows file per IP direction and counts L2 packets.
func sampleTally(t *testing.T, path string) (map[capgen.DirKey]*sampleDir, int) {
	t.Helper()
	cols, lines := cliFlows(t, path)
	num := func(l []string, name string) int {
		t.Helper()
		v, err := strconv.Atoi(l[cols[name]])
		if err != nil {
			t.Fatalf("%s %q: %v", name, l[cols[name]], err)
		}
		return v
	}
	got := map[capgen.DirKey]*sampleDir{}
	l2 := 0
	for _, l := range lines {
		if l[cols["srcIP"]] == "-" {
			l2 += num(l, "pktsSnt")
			continue
		}
		k := capgen.DirKey{
			Src:   netip.AddrPortFrom(netip.MustParseAddr(l[cols["srcIP"]]), uint16(num(l, "srcPort"))),
			Dst:   netip.AddrPortFrom(netip.MustParseAddr(l[cols["dstIP"]]), uint16(num(l, "dstPort"))),
			Proto: uint8(num(l, "l4Proto")),
		}
		d := got[k]
		if d == nil {
			d = &sampleDir{}
			got[k] = d
		}
		d.pkts += num(l, "pktsSnt")
		d.lowWin += num(l, "tcpWinThCnt")
		d.lines++
		stat, err := strconv.ParseUint(l[cols["flowStat"]][2:], 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		if stat&(1<<49) != 0 {
			d.alarmLines++
		}
	}
	return got, l2
}

func compareTruth(t *testing.T, truth *capgen.Truth, got map[capgen.DirKey]*sampleDir, l2 int) {
	t.Helper()
	for _, k := range truth.SortedKeys() {
		w, g := truth.Dirs[k], got[k]
		if g == nil {
			t.Errorf("%v: no flow line, want %d packets", k, w.Packets)
			continue
		}
		if g.pkts != w.Packets || g.lowWin != w.LowWindow {
			t.Errorf("%v: %d packets, %d low-window; want %d, %d", k, g.pkts, g.lowWin, w.Packets, w.LowWindow)
		}
		if alarmed := g.alarmLines > 0; alarmed != (w.LowWindow > 0) {
			t.Errorf("%v: FL_ALARM on %d lines, LowWindow %d", k, g.alarmLines, w.LowWindow)
		}
	}
	var extra []string
	for k := range got {
		if truth.Dirs[k] == nil {
			extra = append(extra, k.Src.String()+">"+k.Dst.String()+"/"+strconv.Itoa(int(k.Proto)))
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("flow lines for directions the generator did not write: %v", extra)
	}
	if l2 != truth.L2Packets {
		t.Errorf("L2 flow lines hold %d packets, want %d", l2, truth.L2Packets)
	}
	if truth.LowWindow == 0 {
		t.Error("the sample has no low-window packet: the alarm check is vacuous")
	}
}
