package bitdesc

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtap/flowtap/userspace/testenv"
)

// endReportTail returns the aggregated flowStat of a T2 end report and the
// decode lines that follow it.
func endReportTail(t *testing.T, path string) (uint64, []string) {
	t.Helper()
	// The alarm and force-mode [WRN] lines sit between the flowStat line and
	// its decode; they come from counters, not from flowStat bits.
	notDecodeLine := regexp.MustCompile(`^\[WRN\] (\d+ alarms in \d+ flows|Number of flows terminated by force mode)`)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read end report: %v", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	for i, l := range lines {
		hex, ok := strings.CutPrefix(l, "Aggregated flowStat=0x")
		if !ok {
			continue
		}
		v, err := strconv.ParseUint(hex, 16, 64)
		if err != nil {
			t.Fatalf("%s: parse %q: %v", path, l, err)
		}
		var want []string
		for _, rest := range lines[i+1:] {
			if !strings.HasPrefix(rest, "[WRN] ") && !strings.HasPrefix(rest, "[INF] ") {
				break
			}
			if !notDecodeLine.MatchString(rest) {
				want = append(want, rest)
			}
		}
		return v, want
	}
	t.Fatalf("%s: no Aggregated flowStat line", path)
	return 0, nil
}

func TestReportLinesMatchesEndReports(t *testing.T) {
	root := testenv.SharedDir(t, "t2-reference")
	for _, path := range testenv.SharedFiles(t, "t2-reference", "_endreport.txt") {
		rel, _ := filepath.Rel(root, path)
		t.Run(rel, func(t *testing.T) {
			value, want := endReportTail(t, path)
			if len(want) == 0 {
				t.Fatalf("no decode lines after the flowStat line")
			}
			if got := ReportLines(value); !slices.Equal(got, want) {
				t.Errorf("ReportLines(%#016x)\ngot  %q\nwant %q", value, got, want)
			}
		})
	}
}

// TestReportLinesRules checks T2_PRINT_GLOBALWARN rules (T2 main.c) that the
// reference captures do not exercise.
func TestReportLinesRules(t *testing.T) {
	tests := []struct {
		name  string
		value uint64
		want  []string
	}{
		{"nothing", 0, nil},
		{"inverted flow bit has no line", 1 << 0, nil},
		{"IPv4 packet bit alone", 1 << 58, []string{"[INF] IPv4 flows"}},
		{"IPv6 flow and packet bits print once", 1<<15 | 1<<59, []string{"[INF] IPv6 flows"}},
		{"MPLS unicast and multicast print once", 1<<9 | 1<<10, []string{"[INF] MPLS encapsulation"}},
		{"warning before info, alarm last", 1<<49 | 1<<2 | 1<<44 | 1<<32,
			[]string{"[WRN] L2 header snapped", "[WRN] Consecutive duplicate IP ID", "[INF] Layer 2 flows", "[INF] IPAlarm"}},
		{"land attack before duplicate IP ID", 1<<44 | 1<<50,
			[]string{"[WRN] Land attack", "[WRN] Consecutive duplicate IP ID"}},
		{"fragment header missing", 1 << 38, []string{"[WRN] IPv4/6 fragmentation header packet missing"}},
		{"stop dissecting is info before L2 flows", 1<<43 | 1<<2,
			[]string{"[INF] Stop dissecting: Clipped packet, unhandled protocol or subsequent fragment", "[INF] Layer 2 flows"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ReportLines(tc.value); !slices.Equal(got, tc.want) {
				t.Errorf("ReportLines(%#016x) = %q, want %q", tc.value, got, tc.want)
			}
		})
	}
}

func TestReportLinesAllBits(t *testing.T) {
	got := ReportLines(^uint64(0))
	if len(got) == 0 || got[len(got)-1] != "[INF] IPAlarm" {
		t.Fatalf("last line: got %q, want [INF] IPAlarm", got)
	}
	seenInf := false
	for _, l := range got {
		switch {
		case strings.HasPrefix(l, "[INF] "):
			seenInf = true
		case strings.HasPrefix(l, "[WRN] "):
			if seenInf {
				t.Errorf("warning %q after an info line", l)
			}
		default:
			t.Errorf("line %q has no [WRN]/[INF] prefix", l)
		}
		if strings.ContainsAny(l, "\n\x1b") {
			t.Errorf("line %q holds a newline or colour code", l)
		}
	}
	uniq := slices.Compact(slices.Sorted(slices.Values(got)))
	if len(uniq) != len(got) {
		t.Errorf("duplicate lines in %q", got)
	}
}
