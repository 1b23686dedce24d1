//go:build linux

package loader_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/flowtap/flowtap/userspace/capgen"
	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/loader"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// agreementConfigs are the knob sets every capture is replayed with: T2's
// defaults, and one that raises many alarms (a threshold above common
// raw windows) and exercises PD_OPP, PD_EQ=0 and force mode.
var agreementConfigs = []struct {
	name string
	cfg  datapath.Config
}{
	{"t2-defaults", t2Defaults},
	{"thres1000-pdopp-force", datapath.Config{FlowTimeoutNs: 182_000_000_000, TCPWinThres: 1000, PDOpp: true, ForceMode: true, PDEq: true}},
	{"pdeq0", datapath.Config{FlowTimeoutNs: 60_000_000_000, TCPWinThres: 64, PDEq: false}},
}

// captureSource names a capture and opens it.
type captureSource struct {
	name string
	open func(t *testing.T) *capture.Reader
}

func fileSource(path string) captureSource {
	return captureSource{name: filepath.Base(path), open: func(t *testing.T) *capture.Reader {
		r, err := capture.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.Close() })
		return r
	}}
}

// captureSources lists the shared captures, the bundled sample and a small
// generated benchmark capture.
func captureSources(t *testing.T) []captureSource {
	dir := testenv.SharedDir(t, "pcaps")
	var paths []string
	for _, pat := range []string{"*.pcap", "*.pcapng"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	sort.Strings(paths)
	paths = append(paths, filepath.Join(testenv.RepoRoot(t), "testdata", "sample.pcap"))
	var out []captureSource
	for _, p := range paths {
		out = append(out, fileSource(p))
	}
	out = append(out, captureSource{name: "capgen-bench", open: func(t *testing.T) *capture.Reader {
		var buf bytes.Buffer
		cfg := capgen.BenchConfig{Packets: 20000, Connections: 1000, Live: 200, ZeroWindowEvery: 20}
		if _, err := capgen.WriteBench(&buf, cfg); err != nil {
			t.Fatal(err)
		}
		r, err := capture.NewReader(&buf, "capgen-bench", int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}})
	return out
}

// TestAgreement replays every capture through the kernel program and the
// Go engine's per-packet path, and compares per packet and at the end
// every field of every flow direction.
func TestAgreement(t *testing.T) {
	testenv.RequirePrivileged(t)
	srcs := captureSources(t)
	for _, src := range srcs {
		for _, c := range agreementConfigs {
			t.Run(src.name+"/"+c.name, func(t *testing.T) {
				agreeCapture(t, src, c.cfg)
			})
		}
	}
}

func agreeCapture(t *testing.T, src captureSource, cfg datapath.Config) {
	pinThread(t, 0)
	o := load(t, loader.Options{Datapath: cfg, Replay: true, FlowCapacity: 1 << 14, FragCapacity: 1024})
	p := newPair(t, o, cfg)
	r := src.open(t)
	var pkt capture.Packet
	other := 0
	for {
		err := r.Next(&pkt)
		if err == io.EOF {
			break
		}
		if err != nil {
			var re *capture.RecordError
			if errors.As(err, &re) {
				break // a damaged tail ends the capture for both sides alike
			}
			t.Fatal(err)
		}
		if pkt.LinkType != datapath.LinkEthernet {
			other++
			continue
		}
		p.packet(pkt.Data, pkt.OrigLen, uint64(pkt.TsNs))
	}
	flows := p.finish()
	p.checkCounters()
	t.Logf("%d packets run, %d flow directions, punted %v, skipped: %d short, %d big, %d non-Ethernet; %d selected",
		p.run, flows, p.punts, p.skippedShort, p.skippedBig, other, p.dumps)
	if p.mismatches > 0 {
		t.Errorf("%d mismatches", p.mismatches)
	}
}

// TestAgreementCoversCaptures guards against a vacuous agreement run: the
// shared captures must yield Ethernet packets with flows.
func TestAgreementCoversCaptures(t *testing.T) {
	srcs := captureSources(t)
	if len(srcs) < 10 {
		t.Fatalf("%d captures, want the shared set", len(srcs))
	}
	names := make([]string, 0, len(srcs))
	for _, s := range srcs {
		names = append(names, s.name)
	}
	if !strings.Contains(strings.Join(names, " "), "sample.pcap") {
		t.Errorf("sample.pcap missing from %v", names)
	}
	if _, err := os.Stat(filepath.Join(testenv.RepoRoot(t), "testdata", "sample.pcap")); err != nil {
		t.Fatal(err)
	}
}
