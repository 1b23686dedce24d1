package bpfengine

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtap/flowtap/gen"
)

// counters builds a kernel counter array with the given values set.
func counters(set map[gen.FlowtapCounterId]uint64) []uint64 {
	k := make([]uint64, gen.FlowtapCounterIdCNT_MAX)
	for id, v := range set {
		k[id] = v
	}
	return k
}

// TestLines checks the report lines: the pcapd identity, the tags and the
// punts by reason.
func TestLines(t *testing.T) {
	punt := func(r gen.FlowtapPuntReason) gen.FlowtapCounterId {
		return gen.FlowtapCounterIdCNT_PUNT_BASE + gen.FlowtapCounterId(r)
	}
	tests := []struct {
		name        string
		k           map[gen.FlowtapCounterId]uint64
		c           Counters
		left        int
		wantWarn    []string // substrings of [WRN] lines
		wantInfo    []string // substrings of [INF] lines
		wantNoWarns bool
	}{
		{
			name: "clean run",
			k: map[gen.FlowtapCounterId]uint64{
				gen.FlowtapCounterIdCNT_PACKETS: 10, gen.FlowtapCounterIdCNT_DUMP_SELECTED: 4, gen.FlowtapCounterIdCNT_DUMP_COPIED: 4,
				gen.FlowtapCounterIdCNT_DUMP_BYTES: 400, punt(gen.FlowtapPuntReasonPUNT_MPLS): 2, punt(gen.FlowtapPuntReasonPUNT_GRE): 1,
			},
			c:           Counters{Run: 10, Punted: 3, RingWritten: 4},
			wantInfo:    []string{"4 packets written + 0 counted as dropped (ring buffer full) = 4 packets selected by the kernel: holds", "3 packets punted to the Go datapath (MPLS 2, GRE 1)", "10 packets run"},
			wantNoWarns: true,
		},
		{
			name: "ring drops",
			k: map[gen.FlowtapCounterId]uint64{
				gen.FlowtapCounterIdCNT_DUMP_SELECTED: 5, gen.FlowtapCounterIdCNT_DUMP_COPIED: 3, gen.FlowtapCounterIdCNT_ERR_RB_RESERVE: 2,
			},
			c:        Counters{RingWritten: 3},
			wantWarn: []string{"3 packets written + 2 counted as dropped (ring buffer full) = 5 packets selected by the kernel: holds"},
		},
		{
			name:     "identity broken",
			k:        map[gen.FlowtapCounterId]uint64{gen.FlowtapCounterIdCNT_DUMP_SELECTED: 5, gen.FlowtapCounterIdCNT_DUMP_COPIED: 5},
			c:        Counters{RingWritten: 4},
			wantWarn: []string{"4 packets written + 0 counted as dropped (ring buffer full) = 5 packets selected by the kernel: DOES NOT HOLD"},
		},
		{
			name:     "disagreements and leftovers",
			k:        map[gen.FlowtapCounterId]uint64{gen.FlowtapCounterIdCNT_PACKETS: 2},
			c:        Counters{Run: 1, ParseMismatch: 1},
			left:     3,
			wantWarn: []string{"1 packets run through xdp_flowtap with BPF_PROG_RUN (kernel count 2)", "1 kernel/Go parse disagreements", "3 flows and 3 fragment entries left"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lines := Lines(counters(tc.k), &tc.c, tc.left, tc.left)
			var warn, info []string
			for _, l := range lines {
				switch {
				case strings.HasPrefix(l, "[WRN] "+Prefix):
					warn = append(warn, l)
				case strings.HasPrefix(l, "[INF] "+Prefix):
					info = append(info, l)
				default:
					t.Errorf("line without tag and prefix: %q", l)
				}
			}
			if tc.wantNoWarns && len(warn) > 0 {
				t.Errorf("warnings in a clean run: %q", warn)
			}
			for _, w := range tc.wantWarn {
				if !containsAny(warn, w) {
					t.Errorf("no [WRN] line with %q in %q", w, lines)
				}
			}
			for _, w := range tc.wantInfo {
				if !containsAny(info, w) {
					t.Errorf("no [INF] line with %q in %q", w, lines)
				}
			}
		})
	}
}

func containsAny(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// TestPuntNames checks that every punt reason has its own report name.
func TestPuntNames(t *testing.T) {
	seen := map[string]gen.FlowtapPuntReason{}
	for r := gen.FlowtapPuntReasonPUNT_NONE + 1; r < gen.FlowtapPuntReasonPUNT_MAX; r++ {
		n := puntName(r)
		if strings.HasPrefix(n, "reason ") {
			t.Errorf("punt reason %d has no name", r)
		}
		if o, dup := seen[n]; dup {
			t.Errorf("punt reasons %d and %d are both %q", o, r, n)
		}
		seen[n] = r
	}
}

// TestLinesShowEveryCounter checks that every kernel counter appears in
// the report: each is set to a distinct value that must be printed.
func TestLinesShowEveryCounter(t *testing.T) {
	k := make([]uint64, gen.FlowtapCounterIdCNT_MAX)
	for id := range k {
		k[id] = uint64(1000 + id*7)
	}
	text := strings.Join(Lines(k, &Counters{}, 0, 0), "\n")
	for id, v := range k {
		if id == int(gen.FlowtapCounterIdCNT_PUNT_BASE) {
			continue // PUNT_NONE: not a punt
		}
		if !regexp.MustCompile(`(^|\D)` + strconv.FormatUint(v, 10) + `(\D|$)`).MatchString(text) {
			t.Errorf("counter %d (value %d) missing from the report:\n%s", id, v, text)
		}
	}
}
