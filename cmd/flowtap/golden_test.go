package main

// Golden tests against the Tranalyzer2 0.9.3 reference outputs in
// ../shared/t2-reference. The references are external truth: there is no
// -update flag, a difference is either a flowtap fault or a documented
// deviation (docs/compat.md).

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtap/flowtap/userspace/testenv"
)

// goldenRef is one T2 reference run: a *_flows.txt with its capture.
type goldenRef struct {
	name    string // subtest name: the folder below t2-reference
	dir     string // folder holding the reference files
	stem    string // file stem: <stem>_flows.txt, <stem>_headers.txt, …
	capture string // input capture, "" when not found
	pdOpp   bool   // PD_OPP of the reference run
}

// findCapture looks for <stem>.pcap(ng) among the public captures, then in
// the reference folder and its parent (synthetic-zerowin keeps its capture
// one level above the PD_OPP_0 and PD_OPP_1 runs).
func findCapture(shared, dir, stem string) string {
	for _, d := range []string{filepath.Join(shared, "pcaps"), dir, filepath.Dir(dir)} {
		for _, ext := range []string{".pcap", ".pcapng"} {
			p := filepath.Join(d, stem+ext)
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	return ""
}

// discoverGoldens lists every reference run below shared/t2-reference.
// Reference runs used PD_OPP=1, except those in a folder named PD_OPP_0.
func discoverGoldens(t *testing.T, shared string) []goldenRef {
	t.Helper()
	root := filepath.Join(shared, "t2-reference")
	var refs []goldenRef
	for _, path := range testenv.SharedFiles(t, "t2-reference", "_flows.txt") {
		dir := filepath.Dir(path)
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			t.Fatal(err)
		}
		stem := strings.TrimSuffix(filepath.Base(path), "_flows.txt")
		refs = append(refs, goldenRef{
			name:    filepath.ToSlash(rel),
			dir:     dir,
			stem:    stem,
			capture: findCapture(shared, dir, stem),
			pdOpp:   filepath.Base(dir) != "PD_OPP_0",
		})
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].name < refs[j].name })
	return refs
}

// runGolden runs flowtap in-process on capture with the reference workflow's
// options, writing into a fresh directory. It returns that directory and the
// end report (stdout).
func runGolden(t *testing.T, capture string, extra ...string) (string, string) {
	t.Helper()
	out := t.TempDir()
	args := append([]string{"-r", capture, "-w", out + string(filepath.Separator), "-q"}, extra...)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args, &stdout, &stderr); code != exitOK {
		t.Fatalf("flowtap %s: exit %d, stderr:\n%s", strings.Join(args, " "), code, stderr.String())
	}
	return out, stdout.String()
}

// referenceArgs are the options matching the reference runs: the stand-in
// tcpWin reported every flow with winThCnt > 0, which is TCPWIN_MINPKTS=1.
func referenceArgs(pdOpp bool) []string {
	args := []string{"--tcpwin-minpkts", "1"}
	if pdOpp {
		args = append(args, "--pd-opp")
	}
	return args
}

// TestGoldenT2 compares flowtap with every T2 reference run: flows by
// column name, headers, end report and pcapd file (see docs/compat.md for
// what is masked and why).
func TestGoldenT2(t *testing.T) {
	shared := goldenSharedDir(t)
	for _, ref := range discoverGoldens(t, shared) {
		t.Run(ref.name, func(t *testing.T) {
			if ref.capture == "" {
				testenv.Unavailable(t, fmt.Sprintf("no capture %s.pcap for %s", ref.stem, ref.dir))
			}
			out, report := runGolden(t, ref.capture, referenceArgs(ref.pdOpp)...)
			refFile := func(suffix string) string { return filepath.Join(ref.dir, ref.stem+suffix) }
			gotFile := func(suffix string) string { return filepath.Join(out, ref.stem+suffix) }
			refHeaders := refFile("_headers.txt")

			t.Run("flows", func(t *testing.T) {
				floats := parseHeaders(t, refHeaders).floatColumns()
				if len(floats) == 0 {
					t.Fatalf("%s: no F columns; tolerance would not apply", refHeaders)
				}
				reportDiffs(t, compareFlows(ref.stem+"_flows.txt",
					parseFlows(t, refFile("_flows.txt")), parseFlows(t, gotFile("_flows.txt")), floats))
			})
			t.Run("headers", func(t *testing.T) {
				reportDiffs(t, compareHeaders(parseHeaders(t, refHeaders), parseHeaders(t, gotFile("_headers.txt"))))
			})
			if _, err := os.Stat(refFile("_endreport.txt")); err == nil {
				t.Run("endreport", func(t *testing.T) {
					reportDiffs(t, compareEndReport(testenv.ReadLines(t, refFile("_endreport.txt")), testenv.SplitLines(report)))
				})
			}
			if want, err := os.ReadFile(refFile("_pcapd.pcap")); err == nil {
				t.Run("pcapd", func(t *testing.T) {
					got, err := os.ReadFile(gotFile("_pcapd.pcap"))
					if err != nil {
						t.Fatalf("read pcapd output: %v", err)
					}
					if !bytes.Equal(got, want) {
						t.Errorf("pcapd: %d bytes, want %d; first difference at %s",
							len(got), len(want), firstByteDiff(want, got))
					}
				})
			}
		})
	}
}

// processingFile reads the capture name from an end report.
var processingFile = regexp.MustCompile(`(?m)^Processing file: (.+)$`)

// TestGoldenOrphanEndReports handles end reports that belong to no flows file
// (synthetic-zerowin/big_endreport.txt: the 2 M-packet benchmark run of
// t2-semantics.md section 10). Its capture is not part of the shared data, so
// the subtest skips unless the capture named in the report is found.
func TestGoldenOrphanEndReports(t *testing.T) {
	shared := goldenSharedDir(t)
	matches, err := filepath.Glob(filepath.Join(shared, "t2-reference", "*", "*_endreport.txt"))
	if err != nil {
		t.Fatalf("list end reports: %v", err)
	}
	orphans := 0
	for _, path := range matches {
		stem := strings.TrimSuffix(filepath.Base(path), "_endreport.txt")
		if _, err := os.Stat(filepath.Join(filepath.Dir(path), stem+"_flows.txt")); err == nil {
			continue // compared by TestGoldenT2
		}
		orphans++
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read %s: %v", path, err)
			}
			m := processingFile.FindSubmatch(data)
			if m == nil {
				t.Fatalf("%s: no \"Processing file:\" line", path)
			}
			name := filepath.Base(string(m[1]))
			capture := findCapture(shared, filepath.Dir(path), strings.TrimSuffix(name, filepath.Ext(name)))
			if capture == "" {
				t.Skipf("%s is the end report of %s, which is not in the shared data", filepath.Base(path), name)
			}
			_, report := runGolden(t, capture, referenceArgs(true)...)
			reportDiffs(t, compareEndReport(testenv.ReadLines(t, path), testenv.SplitLines(report)))
		})
	}
	if orphans == 0 {
		t.Log("no end report without a flows file")
	}
}

// TestGoldenPcapdNoOpp runs every reference capture with PD_OPP off and
// checks the pcapd file: readable by tcpdump/tshark, header copied from the
// input (link type, snap length) with nanosecond timestamps, and records
// equal to the independently computed selection of expectedNoOpp. Where T2
// has a PD_OPP=0 output (synthetic-zerowin), the model is checked against it.
func TestGoldenPcapdNoOpp(t *testing.T) {
	shared := goldenSharedDir(t)
	captures := make(map[string]string) // stem → path
	t2NoOpp := make(map[string]string)  // stem → T2's PD_OPP=0 pcapd output
	for _, ref := range discoverGoldens(t, shared) {
		if ref.capture != "" {
			captures[ref.stem] = ref.capture
		}
		p := filepath.Join(ref.dir, ref.stem+"_pcapd.pcap")
		if _, err := os.Stat(p); err == nil && !ref.pdOpp {
			t2NoOpp[ref.stem] = p
		}
	}
	// Two public captures whose alarmed direction has packets before the
	// first zero window (recovery) or only zero windows (dead).
	for _, stem := range []string{"sanders-tcp_zerowindowrecovery", "sanders-tcp_zerowindowdead"} {
		if p := findCapture(shared, filepath.Join(shared, "pcaps"), stem); p != "" {
			captures[stem] = p
		}
	}
	stems := make([]string, 0, len(captures))
	for s := range captures {
		stems = append(stems, s)
	}
	sort.Strings(stems)
	variants := []struct {
		name string
		args []string
	}{
		{"minpkts-default", nil},
		{"minpkts-1", []string{"--tcpwin-minpkts", "1"}},
	}
	alarms := 0
	for _, stem := range stems {
		in := testenv.ReadPcapFrames(t, captures[stem])
		want := expectedNoOpp(in)
		alarms += len(want)
		t.Logf("%s: %d of %d packets expected in the pcapd file", stem, len(want), len(in.Frames))
		if ref, ok := t2NoOpp[stem]; ok {
			// The model itself, checked against T2's own PD_OPP=0 output.
			t.Run(stem+"/t2-reference", func(t *testing.T) {
				comparePcapd(t, in, testenv.ReadPcapFrames(t, ref), want)
			})
		}
		for _, v := range variants {
			t.Run(stem+"/"+v.name, func(t *testing.T) {
				out, _ := runGolden(t, captures[stem], v.args...)
				path := filepath.Join(out, stem+"_pcapd.pcap")
				externalPacketCount(t, path, len(want))
				got := testenv.ReadPcapFrames(t, path)
				comparePcapd(t, in, got, want)
			})
		}
	}
	if alarms == 0 || len(t2NoOpp) == 0 {
		t.Errorf("%d expected packets, %d T2 PD_OPP=0 outputs: the check would be vacuous", alarms, len(t2NoOpp))
	}
}

// comparatorRef reads one reference run for the comparator self-tests.
func comparatorRef(t *testing.T, suffix string) []string {
	t.Helper()
	dir := filepath.Join(goldenSharedDir(t), "t2-reference", "bgp-4byte-asn")
	return testenv.ReadLines(t, filepath.Join(dir, "bgp-4byte-asn"+suffix))
}

// The three TestGoldenCompare* tests check that the comparators catch what
// they must and forgive only the documented differences, on mutated copies
// of a reference run (the golden tests would pass vacuously otherwise).

func TestGoldenCompareFlows(t *testing.T) {
	flowLines := comparatorRef(t, "_flows.txt")
	ref := mustParse(t, parseFlowLines, flowLines)
	floats := mustParse(t, parseHeaderLines, comparatorRef(t, "_headers.txt")).floatColumns()
	// A row and column holding a non-zero float, to perturb.
	row, col := -1, -1
	for i, r := range ref.rows {
		for j, n := range ref.names {
			if floats[n] && r[j] != "0" && row < 0 {
				row, col = i, j
			}
		}
	}
	if row < 0 {
		t.Fatal("no non-zero float in the reference flows")
	}
	scale := func(f float64) func(ft *flowsTable) {
		return func(ft *flowsTable) {
			v, _ := strconv.ParseFloat(ft.rows[row][col], 64)
			ft.rows[row][col] = strconv.FormatFloat(v*f, 'g', 10, 64)
		}
	}
	cases := []struct {
		name   string
		mutate func(ft *flowsTable)
		diffs  bool
	}{
		{"identical", func(*flowsTable) {}, false},
		{"extra columns", func(ft *flowsTable) { appendColumn(ft, "tcpWinTtl", "64") }, false},
		{"float within tolerance", scale(1 + 1e-6), false},
		{"float beyond tolerance", scale(1 + 1e-5), true},
		{"integer column", func(ft *flowsTable) { ft.rows[0][1] = "99" }, true},
		{"line order", func(ft *flowsTable) { ft.rows[0], ft.rows[1] = ft.rows[1], ft.rows[0] }, true},
		{"line missing", func(ft *flowsTable) { ft.rows = ft.rows[1:] }, true},
		{"column missing", func(ft *flowsTable) { ft.names[3] = "other" }, true},
		{"column order", func(ft *flowsTable) { ft.names[3], ft.names[4] = ft.names[4], ft.names[3] }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mustParse(t, parseFlowLines, flowLines)
			c.mutate(&got)
			if d := compareFlows("x", ref, got, floats); (len(d) > 0) != c.diffs {
				t.Errorf("differences %q, want any: %v", d, c.diffs)
			}
		})
	}
}

// flowtapReport turns a reference end report into what flowtap prints for
// the same run: the documented differences only.
func flowtapReport(ref []string) []string {
	var out []string
	for i, l := range ref {
		switch {
		case i == 1:
			l = "flowtap 1.2.3"
		case strings.HasPrefix(l, "[INF] IPv4 Ver"), strings.HasPrefix(l, "[INF] IPv6 Ver"):
			continue
		case strings.HasPrefix(l, "Processing file: "):
			l = "Processing file: /some/dir/bgp-4byte-asn.pcap"
		case strings.HasPrefix(l, "Date: "), strings.HasPrefix(l, "Memory usage:"):
			l += "9"
		case strings.HasPrefix(l, "tcpWin: Aggregated winStatG="):
			l = "tcpWin: Aggregated tcpWinStat=0x01"
		case strings.HasPrefix(l, "tcpWin: Number of TCP packets"):
			l = "tcpWin: Number of TCP winsize packets below threshold 1: 2 [2.20%]\ntcpWin: IP: 1.0.3.1, country: -, org: -"
		}
		out = append(out, strings.Split(l, "\n")...)
	}
	return out
}

func TestGoldenCompareEndReport(t *testing.T) {
	reportLines := comparatorRef(t, "_endreport.txt")
	replace := func(prefix, with string) func([]string) []string {
		return func(ls []string) []string {
			for i, l := range ls {
				if strings.HasPrefix(l, prefix) {
					ls[i] = with
				}
			}
			return ls
		}
	}
	cases := []struct {
		name   string
		mutate func([]string) []string
		diffs  bool
	}{
		{"documented differences", func(ls []string) []string { return ls }, false},
		{"counter", replace("Number of processed packets:", "Number of processed packets: 92"), true},
		{"tcpWin count", replace("tcpWin: Number of", "tcpWin: Number of TCP winsize packets below threshold 1: 3 [3.30%]"), true},
		{"banner", replace("flowtap ", "Tranalyzer 0.9.3"), true},
		{"input name", replace("Processing file:", "Processing file: /x/other.pcap"), true},
		{"line missing", func(ls []string) []string { return ls[:len(ls)-1] }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if d := compareEndReport(reportLines, c.mutate(flowtapReport(reportLines))); (len(d) > 0) != c.diffs {
				t.Errorf("differences %q, want any: %v", d, c.diffs)
			}
		})
	}
}

func TestGoldenCompareHeaders(t *testing.T) {
	headerLines := comparatorRef(t, "_headers.txt")
	ref := mustParse(t, parseHeaderLines, headerLines)
	// flowtap's form: its version line and five tcpWin columns.
	withTCPWin := func(h headersFile) headersFile {
		h.rows = append(h.rows[:41:41], []string{"42", "U8", "tcpWinTtl", "x"}, []string{"43", "U32", "tcpWinInit", "x"},
			[]string{"44", "U32", "tcpWinThCnt", "x"}, []string{"45", "F", "tcpWinThRatio", "x"})
		h.preamble[1] = "# flowtap 1.2.3"
		return h
	}
	cases := []struct {
		name   string
		mutate func(h headersFile) headersFile
		diffs  bool
	}{
		{"tcpWin columns", withTCPWin, false},
		{"stand-in columns only", func(h headersFile) headersFile { return h }, true},
		{"description", func(h headersFile) headersFile { h = withTCPWin(h); h.rows[4][3] = "x"; return h }, true},
		{"tcpWin type", func(h headersFile) headersFile { h = withTCPWin(h); h.rows[43][1] = "U64"; return h }, true},
		{"preamble", func(h headersFile) headersFile { h = withTCPWin(h); h.preamble[3] = "# SensorID: 1"; return h }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.mutate(mustParse(t, parseHeaderLines, headerLines))
			if d := compareHeaders(ref, got); (len(d) > 0) != c.diffs {
				t.Errorf("differences %q, want any: %v", d, c.diffs)
			}
		})
	}
}

// mustParse runs a line parser and fails t on error.
func mustParse[T any](t *testing.T, parse func([]string) (T, error), lines []string) T {
	t.Helper()
	v, err := parse(lines)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return v
}

// appendColumn adds a column with one value on every row.
func appendColumn(ft *flowsTable, name, value string) {
	ft.names = append(ft.names, name)
	for i := range ft.rows {
		ft.rows[i] = append(ft.rows[i], value)
	}
}
