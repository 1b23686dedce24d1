//go:build linux

package main

// Live end-to-end test (tier 3): flowtap attached to one end of a veth
// pair in native and in generic XDP mode, captures replayed into the
// other end with tcpreplay, compared with the offline result (--engine
// go) of the same packets.
//
// The offline reference reads the packets with their capture times
// compressed to 1 µs steps. A topspeed replay delivers a capture within
// a fraction of a second, so on its original times the offline run would
// end flows by timeouts the replay never reaches (sample.pcap and
// bgp-4byte-asn.pcap split connections by tcpStates' 0.1 s RST timeout).
// Same packets, same order: the flows must be the same.
//
// Columns that cannot match live, and only those, are left out: the
// times (timeFirst, timeLast, duration), the inter-arrival times (minIAT,
// maxIAT, avgIAT, stdIAT) and the rates (pktps, bytps). flowInd is
// compared exactly for captures the kernel handles whole; when packets
// are punted to the Go engine, kernel and Go flows take their flowInds
// from one counter but in the order the ring is read, so there only the
// A/B pairing by flowInd is compared. Extracted packets are compared
// record by record (bytes and original length; times aside).

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/flowtap/flowtap/userspace/netdev"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// liveCaptures are the captures replayed: the bundled sample, and shared
// Ethernet captures with zero windows (alarms and extraction), BGP with
// RST-closed connections, and two that the program punts in part
// (MPLS) or whole (6in4).
func liveCaptures(t *testing.T) []string {
	caps := []string{filepath.Join(testenv.RepoRoot(t), "testdata", "sample.pcap")}
	for _, name := range []string{
		"sanders-tcp_zerowindowrecovery.pcapng", "sanders-tcp_zerowindowdead.pcapng",
		"zeek-http_206_example_b.pcap", "bgp-4byte-asn.pcap",
		"zeek-mixed-vlan-mpls.pcap", "ndpi-6in4tunnel.pcap",
	} {
		caps = append(caps, testenv.SharedFile(t, filepath.Join("pcaps", name)))
	}
	return caps
}

// livePunts are the captures with packets the program leaves to the Go
// engine (MPLS, IPv6 in IPv4); every other capture must have none.
var livePunts = map[string]bool{"zeek-mixed-vlan-mpls": true, "ndpi-6in4tunnel": true}

// liveExcluded are the columns that depend on arrival times.
var liveExcluded = []string{"timeFirst", "timeLast", "duration", "minIAT", "maxIAT", "avgIAT", "stdIAT", "pktps", "bytps"}

// liveOptions are the analysis options of both runs: extraction of both
// directions and alarms from the first packet, so that small captures
// exercise pcapd and tcpWin.
var liveOptions = []string{"--pd-opp", "--tcpwin-minpkts", "1"}

func TestLiveMatchesOffline(t *testing.T) {
	testenv.RequirePrivileged(t)
	tcpreplay := testenv.RequireTool(t, "tcpreplay")
	caps := liveCaptures(t)
	for _, mode := range []string{"native", "generic"} {
		t.Run(mode, func(t *testing.T) {
			v := newVethPair(t, mode[:3])
			for _, c := range caps {
				t.Run(filepath.Base(c), func(t *testing.T) {
					liveVsOffline(t, v, mode, tcpreplay, c)
				})
			}
		})
	}
}

// liveVsOffline replays one capture and compares.
func liveVsOffline(t *testing.T, v *vethPair, mode, tcpreplay, capture string) {
	dir := t.TempDir()
	name := strings.TrimSuffix(filepath.Base(capture), filepath.Ext(capture))
	compressed := filepath.Join(dir, name+".pcap")
	frames := liveCompressTimes(t, capture, compressed)

	offDir := filepath.Join(dir, "offline") + "/"
	code, offOut, offErr := cliRun(t, append([]string{"-r", compressed, "-w", offDir, "--engine", "go"}, liveOptions...)...)
	if code != exitOK {
		t.Fatalf("offline run: exit %d\n%s", code, offErr)
	}

	liveDir := filepath.Join(dir, "live") + "/"
	args := append([]string{"-i", v.Cap, "-w", liveDir, "--xdp-mode", mode, "-c", strconv.Itoa(frames),
		"--duration", "60s", "--vlan-offload-off"}, liveOptions...)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var offloadAfter bool
	res := startLive(t, ctx, v.CapNS, args, func() {
		d, err := netdev.Lookup(v.Cap)
		if err == nil {
			offloadAfter, _ = d.VLANOffload()
		}
	})
	liveReplay(t, v, tcpreplay, compressed, frames)
	r := <-res
	if r.code != exitOK {
		t.Fatalf("live run: exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	if !offloadAfter {
		t.Errorf("receive VLAN offload of %s is off after the run, want it restored", v.Cap)
	}
	for _, want := range []string{"Live capture on interface: " + v.Cap, " in " + mode + " mode (requested " + mode + ")", "[INF] pcapd: packets written "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("live report lacks %q", want)
		}
	}
	if strings.Contains(r.stdout, "[ERR]") {
		t.Errorf("live report has errors:\n%s", liveGrep(r.stdout, "[ERR]"))
	}
	punted := !strings.Contains(r.stdout, "[INF] xdp: packets punted to the Go engine: 0\n")
	if punted != livePunts[name] {
		t.Errorf("packets punted: %v, want %v\n%s", punted, livePunts[name], liveGrep(r.stdout, "punted"))
	}
	if seen := fmt.Sprintf("[INF] xdp: packets seen by the program: %d\n", frames); !strings.Contains(r.stdout, seen) {
		t.Errorf("live report lacks %q: the program saw other packets than the replay\n%s", seen, liveGrep(r.stdout, "packets seen"))
	}
	liveCompareFlows(t, offDir+name+"_flows.txt", liveDir+v.Cap+"_flows.txt", punted)
	liveCompareExtracted(t, offDir+name+"_pcapd.pcap", liveDir+v.Cap+"_pcapd.pcap")
	liveCompareReports(t, offOut, r.stdout)
}

// liveCompressTimes copies a capture (pcap or pcapng, Ethernet) to a
// nanosecond pcap with the same frames and times 1 µs apart, and returns
// the number of frames. It reads and writes with gopacket, not flowtap.
func liveCompressTimes(t *testing.T, src, dst string) int {
	t.Helper()
	c := testenv.ReadPcapFrames(t, src)
	if c.Link != layers.LinkTypeEthernet {
		t.Fatalf("%s: link type %v, want Ethernet (veth carries Ethernet)", src, c.Link)
	}
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriterNanos(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	base := time.Unix(1_700_000_000, 0)
	for i, fr := range c.Frames {
		if fr.Info.CaptureLength != fr.Info.Length {
			t.Fatalf("%s frame %d is cut (%d of %d bytes): a replay sends only what was captured", src, i+1, fr.Info.CaptureLength, fr.Info.Length)
		}
		ci := fr.Info
		ci.Timestamp = base.Add(time.Duration(i) * time.Microsecond)
		ci.InterfaceIndex = 0
		if err := w.WritePacket(ci, fr.Data); err != nil {
			t.Fatal(err)
		}
	}
	return len(c.Frames)
}

var replayCount = regexp.MustCompile(`Successful packets:\s+(\d+)`)

// liveReplay sends a capture into the peer end, pinned to one CPU so that
// the receiving side sees the packets in capture order in generic mode
// too (one sender CPU, one backlog queue).
func liveReplay(t *testing.T, v *vethPair, tcpreplay, file string, frames int) {
	t.Helper()
	args := []string{"netns", "exec", v.PeerNS}
	if tp, err := exec.LookPath("taskset"); err == nil {
		args = append(args, tp, "-c", "0")
	}
	args = append(args, tcpreplay, "-q", "-i", v.Peer, "--topspeed", file)
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("tcpreplay: %v\n%s", err, out)
	}
	m := replayCount.FindStringSubmatch(string(out))
	if m == nil || m[1] != strconv.Itoa(frames) {
		t.Fatalf("tcpreplay sent %v of %d packets:\n%s", m, frames, out)
	}
}

func liveGrep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// liveFlowRows reads a flows file into rows of column name -> value.
func liveFlowRows(t *testing.T, path string) []map[string]string {
	t.Helper()
	lines := testenv.ReadLines(t, path)
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "%") {
		t.Fatalf("%s: no header line", path)
	}
	cols := strings.Split(strings.TrimPrefix(lines[0], "%"), "\t")
	var rows []map[string]string
	for _, l := range lines[1:] {
		vals := strings.Split(l, "\t")
		if len(vals) != len(cols) {
			t.Fatalf("%s: %d columns in %q, header has %d", path, len(vals), l, len(cols))
		}
		row := make(map[string]string, len(cols))
		for i, c := range cols {
			row[c] = vals[i]
		}
		rows = append(rows, row)
	}
	return rows
}

// liveFlowID identifies a flow direction independently of flowInd.
func liveFlowID(r map[string]string) string {
	return strings.Join([]string{r["dir"], r["srcMac"], r["dstMac"], r["ethType"], r["vlanID"], r["srcIP"], r["srcPort"],
		r["dstIP"], r["dstPort"], r["l4Proto"]}, " ")
}

// liveCompareFlows checks that both files hold the same flow directions with
// the same values in every column that does not depend on time.
func liveCompareFlows(t *testing.T, offPath, livePath string, punted bool) {
	t.Helper()
	off, live := liveFlowRows(t, offPath), liveFlowRows(t, livePath)
	if len(off) == 0 {
		t.Fatalf("offline run wrote no flows")
	}
	skip := slices.Clone(liveExcluded)
	if punted {
		skip = append(skip, "flowInd")
		liveCheckPairing(t, "offline", off)
		liveCheckPairing(t, "live", live)
	}
	index := func(rows []map[string]string) map[string]map[string]string {
		m := make(map[string]map[string]string)
		for _, r := range rows {
			if _, dup := m[liveFlowID(r)]; dup {
				t.Errorf("flow %s written twice", liveFlowID(r))
			}
			m[liveFlowID(r)] = r
		}
		return m
	}
	om, lm := index(off), index(live)
	for id, o := range om {
		l, ok := lm[id]
		if !ok {
			t.Errorf("flow %s: offline only", id)
			continue
		}
		for col, ov := range o {
			if slices.Contains(skip, col) {
				continue
			}
			if lv := l[col]; lv != ov {
				t.Errorf("flow %s: %s live %q, offline %q", id, col, lv, ov)
			}
		}
	}
	for id := range lm {
		if _, ok := om[id]; !ok {
			t.Errorf("flow %s: live only", id)
		}
	}
}

// liveCheckPairing checks that the A and B directions of a conversation
// share a flowInd and that no two conversations do.
func liveCheckPairing(t *testing.T, which string, rows []map[string]string) {
	t.Helper()
	byInd := make(map[string][]string)
	for _, r := range rows {
		byInd[r["flowInd"]] = append(byInd[r["flowInd"]], r["dir"])
	}
	for ind, dirs := range byInd {
		slices.Sort(dirs)
		if !slices.Equal(dirs, []string{"A"}) && !slices.Equal(dirs, []string{"A", "B"}) {
			t.Errorf("%s: flowInd %s is shared by directions %v", which, ind, dirs)
		}
	}
}

// liveCompareExtracted checks that pcapd wrote the same records in the same
// order: bytes and original lengths.
func liveCompareExtracted(t *testing.T, offPath, livePath string) {
	t.Helper()
	off, live := testenv.ReadPcapFrames(t, offPath), testenv.ReadPcapFrames(t, livePath)
	if len(off.Frames) != len(live.Frames) {
		t.Fatalf("pcapd: %d records live, %d offline", len(live.Frames), len(off.Frames))
	}
	for i := range off.Frames {
		o, l := off.Frames[i], live.Frames[i]
		if string(o.Data) != string(l.Data) || o.Info.Length != l.Info.Length {
			t.Errorf("pcapd record %d: live %d/%d bytes, offline %d/%d bytes, or different bytes",
				i+1, len(l.Data), l.Info.Length, len(o.Data), o.Info.Length)
		}
	}
}

// liveReportPrefixes are the end-report lines that must be the same live and
// offline: counts of packets, bytes, flows and alarms, the aggregated
// flowStat and the plugins' alarm and extraction lines. Rates, times,
// and the per-protocol packet counters (counted per packet offline, from
// the flows live) are not compared.
var liveReportPrefixes = []string{
	"Number of processed packets", "Number of A packets", "Number of B packets",
	"Number of A bytes", "Number of B bytes",
	"Number of processed      flows", "Number of processed A    flows", "Number of processed B    flows",
	"Number of request        flows", "Number of reply          flows",
	"Number of processed L2   flows", "Number of processed IPv4 flows", "Number of processed IPv6 flows",
	"Aggregated flowStat", "tcpStates:", "tcpWin:", "pcapd:",
}

func liveCompareReports(t *testing.T, off, live string) {
	t.Helper()
	pick := func(s string) []string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			for _, p := range liveReportPrefixes {
				if strings.HasPrefix(l, p) {
					out = append(out, l)
				}
			}
			if strings.HasPrefix(l, "[WRN]") && strings.Contains(l, " alarms in ") {
				out = append(out, l)
			}
		}
		return out
	}
	o, l := pick(off), pick(live)
	if !slices.Equal(o, l) {
		t.Errorf("end report lines differ\nlive:\n  %s\noffline:\n  %s", strings.Join(l, "\n  "), strings.Join(o, "\n  "))
	}
	if len(o) < 8 {
		t.Errorf("only %d comparable report lines offline: %q", len(o), o)
	}
}

// TestLiveSnaplen checks --snaplen: extracted records are cut to it and
// keep their original length, and their bytes are the offline records'
// first bytes.
func TestLiveSnaplen(t *testing.T) {
	testenv.RequirePrivileged(t)
	tcpreplay := testenv.RequireTool(t, "tcpreplay")
	capture := filepath.Join(testenv.RepoRoot(t), "testdata", "sample.pcap")
	v := newVethPair(t, "snp")
	dir := t.TempDir()
	compressed := filepath.Join(dir, "sample.pcap")
	frames := liveCompressTimes(t, capture, compressed)
	offDir := filepath.Join(dir, "offline") + "/"
	if code, _, stderr := cliRun(t, append([]string{"-r", compressed, "-w", offDir}, liveOptions...)...); code != exitOK {
		t.Fatalf("offline run: exit %d\n%s", code, stderr)
	}
	const snap = 64
	liveDir := filepath.Join(dir, "live") + "/"
	args := append([]string{"-i", v.Cap, "-w", liveDir, "-c", strconv.Itoa(frames), "--duration", "60s", "--snaplen", strconv.Itoa(snap)}, liveOptions...)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	res := startLive(t, ctx, v.CapNS, args, nil)
	liveReplay(t, v, tcpreplay, compressed, frames)
	if r := <-res; r.code != exitOK {
		t.Fatalf("live run: exit %d\n%s", r.code, r.stderr)
	}
	off := testenv.ReadPcapFrames(t, offDir+"sample_pcapd.pcap")
	live := testenv.ReadPcapFrames(t, liveDir+v.Cap+"_pcapd.pcap")
	if len(off.Frames) == 0 || len(live.Frames) != len(off.Frames) {
		t.Fatalf("pcapd: %d records live, %d offline (want the same, at least one)", len(live.Frames), len(off.Frames))
	}
	cut := 0
	for i, o := range off.Frames {
		l := live.Frames[i]
		want := o.Data[:min(len(o.Data), snap)]
		if string(l.Data) != string(want) || l.Info.Length != o.Info.Length {
			t.Errorf("record %d: live %d of %d bytes, want the first %d of the offline record's %d", i+1, len(l.Data), l.Info.Length, len(want), o.Info.Length)
		}
		if len(o.Data) > snap {
			cut++
		}
	}
	if cut == 0 {
		t.Fatalf("no extracted packet is longer than %d bytes: the test checks nothing", snap)
	}
}
