package main

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtap/flowtap/userspace/testenv"
)

// goldenFloatTol is the relative tolerance for F columns. T2 accumulates its
// averages and deviations in float32 with a running recurrence; flowtap
// derives them from exact integer sums (userspace/datapath/var128.go), so the
// two agree to float32 precision, not to the last printed digit.
const goldenFloatTol = 2e-6

// goldenMaxDiffs caps the differences reported per file.
const goldenMaxDiffs = 20

// goldenSharedDir returns ../shared beside the repository root. It skips
// the test when ../shared/t2-reference is absent, and fails it instead
// under CI=true.
func goldenSharedDir(t *testing.T) string {
	t.Helper()
	return filepath.Dir(testenv.SharedDir(t, "t2-reference"))
}

// headersFile is a parsed PREFIX_headers.txt: the '#' preamble and one row
// per column, each row split into Col No., Type, Name and Description.
type headersFile struct {
	preamble []string
	rows     [][]string
}

// parseHeaders reads a headers file and splits it at its "# Col No." line.
func parseHeaders(t *testing.T, path string) headersFile {
	t.Helper()
	h, err := parseHeaderLines(testenv.ReadLines(t, path))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return h
}

func parseHeaderLines(lines []string) (headersFile, error) {
	var h headersFile
	inRows := false
	for i, line := range lines {
		switch {
		case inRows:
			f := strings.Split(line, "\t")
			if len(f) != 4 {
				return h, fmt.Errorf("line %d: %d fields, want 4: %q", i+1, len(f), line)
			}
			h.rows = append(h.rows, f)
		case strings.HasPrefix(line, "# Col No.\t"):
			inRows = true
		default:
			h.preamble = append(h.preamble, line)
		}
	}
	if !inRows {
		return h, errors.New(`no "# Col No." line`)
	}
	return h, nil
}

// floatColumns returns the names of the columns of type F.
func (h headersFile) floatColumns() map[string]bool {
	m := make(map[string]bool)
	for _, r := range h.rows {
		if r[1] == "F" {
			m[r[2]] = true
		}
	}
	return m
}

// pluginVersion matches a plugin line of the headers preamble or of the end
// report; the version differs by design (flowtap's own, not 0.9.3).
var pluginVersion = regexp.MustCompile(`^(#?\s+\d\d: \w+, )(version )?\S+$`)

// maskHeaderPreamble hides the run-specific preamble lines (t2-semantics.md
// section 0, caveat 3) and the version line, which names flowtap.
func maskHeaderPreamble(i int, line string) string {
	for _, p := range []string{"# Date:", "# PID:", "# Command line:", "# HW info:", "# SW info:"} {
		if strings.HasPrefix(line, p) {
			return p + " <masked>"
		}
	}
	if i == 1 {
		return "# <version>"
	}
	if m := pluginVersion.FindStringSubmatch(line); m != nil {
		return m[1] + m[2] + "<version>"
	}
	return line
}

// compareHeaders checks the got headers file against the T2 reference: the
// masked preamble, rows 1..40 verbatim, then flowtap's five tcpWin columns in
// place of the stand-in's two (t2-semantics.md section 0, caveat 1). It
// returns one message per difference.
func compareHeaders(ref, got headersFile) []string {
	var d []string
	if len(ref.preamble) != len(got.preamble) {
		d = append(d, fmt.Sprintf("preamble: %d lines, want %d", len(got.preamble), len(ref.preamble)))
	}
	for i := range min(len(ref.preamble), len(got.preamble)) {
		if maskHeaderPreamble(i, ref.preamble[i]) != maskHeaderPreamble(i, got.preamble[i]) {
			d = append(d, fmt.Sprintf("preamble line %d: got %q, want %q", i+1, got.preamble[i], ref.preamble[i]))
		}
	}
	const common = 40
	if len(ref.rows) < common || len(got.rows) < common {
		return append(d, fmt.Sprintf("column rows: got %d, reference %d, both need at least %d", len(got.rows), len(ref.rows), common))
	}
	for i := range common {
		if strings.Join(got.rows[i], "\t") != strings.Join(ref.rows[i], "\t") {
			d = append(d, fmt.Sprintf("column row %d: got %q, want %q", i+1, got.rows[i], ref.rows[i]))
		}
	}
	if len(got.rows) != common+5 {
		d = append(d, fmt.Sprintf("column rows: got %d, want %d (40 + tcpWin's 5)", len(got.rows), common+5))
	}
	gotByName := make(map[string][]string)
	for i, r := range got.rows[common:] {
		if want := strconv.Itoa(common + 1 + i); r[0] != want || !strings.HasPrefix(r[2], "tcpWin") {
			d = append(d, fmt.Sprintf("column row %d: got %q, want Col No. %s and a tcpWin column", common+1+i, r, want))
		}
		gotByName[r[2]] = r
	}
	// The stand-in's columns share their names with two of flowtap's; the
	// type is the contract, the description is flowtap's choice (section 7.6).
	for _, r := range ref.rows[common:] {
		g, ok := gotByName[r[2]]
		switch {
		case !ok:
			d = append(d, fmt.Sprintf("column %s of the reference is missing", r[2]))
		case g[1] != r[1]:
			d = append(d, fmt.Sprintf("column %s: type %s, want %s", r[2], g[1], r[1]))
		}
	}
	return d
}

// flowsTable is a parsed PREFIX_flows.txt.
type flowsTable struct {
	names []string
	rows  [][]string
}

// parseFlows reads a flows file: its % header line and one row per line.
func parseFlows(t *testing.T, path string) flowsTable {
	t.Helper()
	ft, err := parseFlowLines(testenv.ReadLines(t, path))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return ft
}

func parseFlowLines(lines []string) (flowsTable, error) {
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "%") {
		return flowsTable{}, errors.New("no % header line")
	}
	ft := flowsTable{names: strings.Split(strings.TrimPrefix(lines[0], "%"), "\t")}
	for i, line := range lines[1:] {
		f := strings.Split(line, "\t")
		if len(f) != len(ft.names) {
			return ft, fmt.Errorf("line %d: %d fields, header has %d", i+2, len(f), len(ft.names))
		}
		ft.rows = append(ft.rows, f)
	}
	return ft, nil
}

// floatEqual compares two %.7g values with the relative tolerance.
func floatEqual(a, b string) bool {
	if a == b {
		return true
	}
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	return math.Abs(x-y) <= goldenFloatTol*math.Max(math.Abs(x), math.Abs(y))
}

// compareFlows checks the got flows table against the reference by column
// name: same lines in the same order, every column of the reference present,
// in the same relative order, with equal values (F columns, named by floats,
// within goldenFloatTol). name labels the messages.
func compareFlows(name string, ref, got flowsTable, floats map[string]bool) []string {
	var d []string
	gotIdx := make(map[string]int, len(got.names))
	for i, n := range got.names {
		gotIdx[n] = i
	}
	type pair struct {
		name     string
		ref, got int
	}
	var cols []pair
	last := -1
	for i, n := range ref.names {
		j, ok := gotIdx[n]
		if !ok {
			d = append(d, fmt.Sprintf("header: column %q of the reference is missing", n))
			continue
		}
		if j < last {
			d = append(d, fmt.Sprintf("header: column %q at position %d comes before the previous common column (position %d)", n, j+1, last+1))
		}
		last = j
		cols = append(cols, pair{n, i, j})
	}
	if len(got.rows) != len(ref.rows) {
		d = append(d, fmt.Sprintf("%d flow lines, want %d", len(got.rows), len(ref.rows)))
	}
	for i := range min(len(ref.rows), len(got.rows)) {
		for _, c := range cols {
			r, g := ref.rows[i][c.ref], got.rows[i][c.got]
			if r == g || (floats[c.name] && floatEqual(r, g)) {
				continue
			}
			d = append(d, fmt.Sprintf("%s line %d (dir %s flowInd %s) column %s: got %q, want %q",
				name, i+2, ref.rows[i][0], ref.rows[i][1], c.name, g, r))
		}
	}
	return d
}

// endReportLine rewrites one end-report line into the form both sides share,
// or reports that the line takes no part in the comparison. isRef selects the
// T2 side. Masked: run-specific values, version strings, the input path
// (compared by base name). Dropped: T2's subnet-database lines, which flowtap
// does not print, and flowtap's tcpWin IP table, which the stand-in lacks.
func endReportLine(i int, line string, isRef bool) (string, bool) {
	if i == 1 {
		return "<banner>", true
	}
	for _, p := range []string{"Date:", "Finished processing. Elapsed time", "Finished unloading flow memory", "Memory usage"} {
		if strings.HasPrefix(line, p) {
			return p + " <masked>", true
		}
	}
	if rest, ok := strings.CutPrefix(line, "Processing file: "); ok {
		return "Processing file: " + filepath.Base(rest), true
	}
	if m := pluginVersion.FindStringSubmatch(line); m != nil {
		return m[1] + m[2] + "<version>", true
	}
	if isRef {
		if strings.HasPrefix(line, "[INF] IPv4 Ver") || strings.HasPrefix(line, "[INF] IPv6 Ver") {
			return "", false
		}
		// The stand-in's wording of the two tcpWin lines (section 0, caveat 1)
		// mapped to the tutorial's, which flowtap prints with TCPWIN_THRES=1.
		if v, ok := strings.CutPrefix(line, "tcpWin: Aggregated winStatG="); ok {
			return "tcpWin: Aggregated tcpWinStat=" + v, true
		}
		if v, ok := strings.CutPrefix(line, "tcpWin: Number of TCP packets with window below threshold: "); ok {
			return "tcpWin: Number of TCP winsize packets below threshold 1: " + v, true
		}
		return line, true
	}
	if strings.HasPrefix(line, "tcpWin: IP: ") {
		return "", false
	}
	return line, true
}

// numberedLine is a normalised end-report line with its line number in the
// original text.
type numberedLine struct {
	no   int
	text string
}

func normaliseEndReport(lines []string, isRef bool) []numberedLine {
	var out []numberedLine
	for i, l := range lines {
		if s, keep := endReportLine(i, l, isRef); keep {
			out = append(out, numberedLine{i + 1, s})
		}
	}
	return out
}

// compareEndReport checks the got end report line by line against the
// reference after normalising both.
func compareEndReport(refLines, gotLines []string) []string {
	if len(refLines) < 2 || len(gotLines) < 2 {
		return []string{fmt.Sprintf("end report: got %d lines, reference %d", len(gotLines), len(refLines))}
	}
	var d []string
	if !strings.HasPrefix(refLines[1], "Tranalyzer ") || !strings.HasPrefix(gotLines[1], "flowtap ") {
		d = append(d, fmt.Sprintf("banner line 2: got %q, reference %q; want \"flowtap ...\" for \"Tranalyzer ...\"", gotLines[1], refLines[1]))
	}
	ref, got := normaliseEndReport(refLines, true), normaliseEndReport(gotLines, false)
	for i := range max(len(ref), len(got)) {
		var r, g numberedLine
		if i < len(ref) {
			r = ref[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if r.text != g.text || r.no == 0 || g.no == 0 {
			d = append(d, fmt.Sprintf("end report: reference line %d %q, got line %d %q", r.no, r.text, g.no, g.text))
		}
	}
	return d
}

// reportDiffs fails t with the first goldenMaxDiffs differences, so one
// systematic fault does not bury the rest of the output.
func reportDiffs(t *testing.T, diffs []string) {
	t.Helper()
	for i, d := range diffs {
		if i == goldenMaxDiffs {
			t.Errorf("... %d differences in all", len(diffs))
			return
		}
		t.Error(d)
	}
}
