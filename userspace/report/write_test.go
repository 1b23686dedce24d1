package report

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowtap/flowtap/userspace/testenv"
)

// runSpecific lists the lines that differ on every run. A reference line
// starting with a prefix is not compared verbatim: both it and flowtap's line
// must have the shape of the pattern.
var runSpecific = []struct {
	prefix string
	shape  *regexp.Regexp
}{
	{"Date: ", regexp.MustCompile(`^Date: \d+\.\d{9} sec \(\w{3} \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \w+\)$`)},
	{"Finished processing. ", regexp.MustCompile(`^Finished processing\. Elapsed time: \d+\.\d{9} sec( \(.+\))?$`)},
	{"Finished unloading ", regexp.MustCompile(`^Finished unloading flow memory\. Time: \d+\.\d{9} sec( \(.+\))?$`)},
	{"Memory usage: ", regexp.MustCompile(`^Memory usage: \d+\.\d{2} GB \[\d+\.\d{2}%\]$`)},
}

// t2Banner is T2's banner line, which flowtap replaces with its own name.
var t2Banner = regexp.MustCompile(`^Tranalyzer 0\.9\.3 \(Anteater\), Cobra\. PID: \d+, Prio: 0, SID: 666$`)

func TestWriteMatchesReferenceReports(t *testing.T) {
	ref := testenv.SharedDir(t, "t2-reference")
	tests := []struct {
		report string
		sum    *Summary
	}{
		{"bgp-4byte-asn/bgp-4byte-asn_endreport.txt", bgpSummary()},
		{"ipv4_tcp_http_xml/ipv4_tcp_http_xml_endreport.txt", httpXMLSummary()},
		{"mptcp-v0/mptcp-v0_endreport.txt", mptcpSummary()},
		{"of10_pf5240/of10_pf5240_endreport.txt", of10Summary()},
		{"synthetic-zerowin/PD_OPP_0/zerowin-synthetic_endreport.txt", zerowinSummary("7 [31.82%]")},
		{"synthetic-zerowin/PD_OPP_1/zerowin-synthetic_endreport.txt", zerowinSummary("11 [50.00%]")},
		{"synthetic-zerowin/big_endreport.txt", bigSummary()},
	}
	for _, tc := range tests {
		t.Run(tc.report, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(ref, tc.report))
			if err != nil {
				t.Fatalf("read reference: %v", err)
			}
			want := testenv.SplitLines(string(data))
			got := render(t, tc.sum)
			compareReport(t, got, want)
		})
	}
}

// compareReport compares flowtap's report with T2's line by line, masking
// the banner and the run-specific lines.
func compareReport(t *testing.T, got, want []string) {
	t.Helper()
	for i := 0; i < max(len(got), len(want)); i++ {
		if i >= len(got) {
			t.Fatalf("got %d lines, want %d; first missing: %q", len(got), len(want), want[i])
		}
		if i >= len(want) {
			t.Fatalf("got %d lines, want %d; first extra: %q", len(got), len(want), got[i])
		}
		g, w := got[i], want[i]
		if i == 1 {
			if !t2Banner.MatchString(w) || g != "flowtap 0.1.0-test" {
				t.Errorf("banner: got %q, reference %q", g, w)
			}
			continue
		}
		if shape := maskFor(w); shape != nil {
			if !shape.MatchString(w) || !shape.MatchString(g) {
				t.Errorf("line %d (run-specific): got %q, reference %q", i+1, g, w)
			}
			continue
		}
		if g != w {
			t.Errorf("line %d:\n got %q\nwant %q", i+1, g, w)
		}
	}
}

func maskFor(line string) *regexp.Regexp {
	for _, m := range runSpecific {
		if strings.HasPrefix(line, m.prefix) {
			return m.shape
		}
	}
	return nil
}

func render(t *testing.T, s *Summary) []string {
	t.Helper()
	var b strings.Builder
	if err := Write(&b, s); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if !strings.HasSuffix(b.String(), "\n") {
		t.Fatalf("report does not end with a newline")
	}
	return testenv.SplitLines(b.String())
}

func TestWriteEmptyRun(t *testing.T) {
	// No packet and no flow: only the lines T2 prints unconditionally.
	s := &Summary{
		Program: "flowtap", Version: "v1", Date: time.Unix(0, 0).UTC(),
		FlowLayers: "L2, IPv4, IPv6", Input: "empty.pcap",
		LinkTypeDesc: "Ethernet", LinkTypeName: "EN10MB", LinkType: 1, Snaplen: 262144,
	}
	want := []string{
		ruleEquals,
		"flowtap v1",
		ruleEquals,
		"Date: 0.000000000 sec (Thu 01 Jan 1970 00:00:00 UTC)",
		"[INF] Creating flows for L2, IPv4, IPv6",
		"Processing file: empty.pcap",
		"Link layer type: Ethernet [EN10MB/1]",
		"Snapshot length: 262144 (262.14 K)",
		"Dump stop : 0.000000000 sec (Thu 01 Jan 1970 00:00:00 GMT)",
		"Total dump duration: 0.000000000 sec",
		"Finished processing. Elapsed time: 0.000000000 sec",
		"Finished unloading flow memory. Time: 0.000000000 sec",
		"<A packet load>: 0.00",
		"<B packet load>: 0.00",
		ruleDashes,
		ruleDashes,
		"Headers count: min: 65535, max: 0, avg: 0.00",
		ruleTildes,
		ruleTildes,
		"Memory usage: 0.00 GB [-nan%]",
		"Aggregated flowStat=0x0000000000000000",
	}
	got := render(t, s)
	if !slices.Equal(got, want) {
		t.Fatalf("empty report:\n got %q\nwant %q", got, want)
	}
}

// has reports whether line is in the report.
func has(report []string, line string) bool { return slices.Contains(report, line) }

// hasPrefix reports whether a line of the report starts with prefix.
func hasPrefix(report []string, prefix string) bool {
	return slices.ContainsFunc(report, func(l string) bool { return strings.HasPrefix(l, prefix) })
}

// omissionCase edits the bgp-4byte-asn summary and lists lines that must
// appear (exactly) and line prefixes that must not.
type omissionCase struct {
	name    string
	edit    func(*Summary)
	present []string
	absent  []string
}

// counterCases covers zero counters, zero duration and flowStat-gated lines.
func counterCases() []omissionCase {
	return []omissionCase{
		{
			name:   "reference counters zero",
			edit:   func(s *Summary) {},
			absent: []string{"Number of pad bytes", "Number of IPv6 packets", "Number of packets without flow", "Number of processed IPv6 flows", "Number of flows terminated", "Max VLAN", "Max MPLS", "Number of SCTP", "<Snapped bandwidth>", "Live capture"},
		},
		{
			name:    "zero duration drops rates",
			edit:    func(s *Summary) { s.LastPacketNs = s.FirstPacketNs },
			present: []string{"Total dump duration: 0.000000000 sec", "Number of processed A+B packets/A+B flows: 4.14"},
			absent:  []string{"Number of processed total packets/s", "Number of processed A+B   packets/s", "<Number of processed flows/s>", "<Bandwidth>", "<Raw bandwidth>"},
		},
		{
			name:    "packets without flow",
			edit:    func(s *Summary) { s.Packets = 100 },
			present: []string{"Number of packets without flow: 9 [9.00%]"},
		},
		{
			name:    "pad bytes and IPv6",
			edit:    func(s *Summary) { s.PadBytes, s.IPv6Packets, s.IPv6FragPackets = 1500, 4, 1 },
			present: []string{"Number of pad bytes: 1500 (1.50 K)", "Number of IPv6 packets: 4 [4.40%]", "Number of IPv6 fragmented packets: 1 [25.00%]"},
		},
		{
			name:    "VLAN and MPLS need their flowStat bits",
			edit:    func(s *Summary) { s.MaxVLANHeaders, s.MaxMPLSHeaders, s.FlowStat = 2, 3, s.FlowStat|1<<8|1<<10 },
			present: []string{"Max VLAN header count: 2", "Max MPLS header count: 3"},
		},
		{
			name:   "SCTP counters without L4_SCTP",
			edit:   func(s *Summary) { s.SCTPPackets, s.SCTPBytes = 3, 300 },
			absent: []string{"Number of SCTP"},
		},
		{
			name:    "SCTP counters with L4_SCTP",
			edit:    func(s *Summary) { s.SCTPPackets, s.SCTPBytes, s.FlowStat = 3, 300, s.FlowStat|1<<24 },
			present: []string{"Number of SCTP packets: 3 [3.30%]", "Number of SCTP bytes: 300 [4.15%]"},
		},
		{
			name:    "snapped bandwidth",
			edit:    func(s *Summary) { s.FlowStat |= 1 << 33 },
			present: []string{"<Snapped bandwidth>: 2797 b/s (2.80 Kb/s)"},
		},
	}
}

// modeCases covers modes, unusual counter combinations and long durations.
func modeCases() []omissionCase {
	return []omissionCase{
		{
			name:    "autopilot and force mode",
			edit:    func(s *Summary) { s.AutopilotFlows, s.ForcedFlows, s.ForceMode = 2, 11, true },
			present: []string{"Number of flows terminated by autopilot: 2 [9.09%]", "[WRN] Number of flows terminated by force mode: 11 [50.00%]", "[INF] Creating flows for L2, IPv4, IPv6 [FORCE]"},
		},
		{
			name:    "alarms without flows",
			edit:    func(s *Summary) { s.AFlows, s.BFlows, s.AlarmMode = 0, 0, true },
			present: []string{"[WRN] 2 alarms in 2 flows [inf%]", "[INF] Creating flows for L2, IPv4, IPv6 [ALARM]"},
			absent:  []string{"Number of processed      flows", "Total   A/B", "Number of processed A   packets/A   flows"},
		},
		{
			name:   "no alarms",
			edit:   func(s *Summary) { s.Alarms, s.AlarmFlows = 0, 0 },
			absent: []string{"[WRN] 0 alarms", "[WRN] "},
		},
		{
			name:    "more corrected replies than A flows",
			edit:    func(s *Summary) { s.CorrReplFlows = 20 },
			present: []string{"Number of reply          flows: 28 [127.27%]", "Total req/rply flow asymmetry: -1.55"},
			absent:  []string{"Number of request        flows"},
		},
		{
			name: "live capture",
			edit: func(s *Summary) {
				s.Live, s.Input = true, "eth0"
				s.LiveReceived, s.LiveKernelDropped = 90, 10
			},
			present: []string{"Live capture on interface: eth0", "Number of packets received: 90 [90.00%]", "Number of packets dropped by the kernel: 10 [10.00%]"},
			absent:  []string{"Processing file", "Number of pcap bytes", "Percentage completed", "Number of packets dropped by the interface"},
		},
		{
			name:   "no plugins and no flow table",
			edit:   func(s *Summary) { s.Plugins, s.FlowTableSize = nil, 0 },
			absent: []string{"Active plugins:", "    01: ", "Max number of flows in memory"},
		},
		{
			name:    "long durations",
			edit:    func(s *Summary) { s.Elapsed = 3725*time.Second + 5*time.Millisecond },
			present: []string{"Finished processing. Elapsed time: 3725.005000000 sec (1h 2m 5s)"},
		},
	}
}

func TestWriteOmissionRules(t *testing.T) {
	for _, tc := range append(counterCases(), modeCases()...) {
		t.Run(tc.name, func(t *testing.T) {
			s := bgpSummary()
			tc.edit(s)
			got := render(t, s)
			for _, l := range tc.present {
				if !has(got, l) {
					t.Errorf("missing line %q", l)
				}
			}
			for _, p := range tc.absent {
				if hasPrefix(got, p) {
					t.Errorf("unexpected line starting %q", p)
				}
			}
		})
	}
}

func TestWriteLineOrder(t *testing.T) {
	s := bgpSummary()
	s.Warnings = []string{"[WRN] flowtap: 3 packets lost in the ring buffer"}
	s.ForcedFlows = 1
	got := render(t, s)
	// Tail order: flowStat, alarms, force mode, decode lines, flowtap's own.
	want := []string{
		"Aggregated flowStat=0x0402000000004044",
		"[WRN] 2 alarms in 2 flows [9.09%]",
		"[WRN] Number of flows terminated by force mode: 1 [4.55%]",
		"[INF] Layer 2 flows",
		"[INF] IPv4 flows",
		"[INF] ARP",
		"[INF] IPAlarm",
		"[WRN] flowtap: 3 packets lost in the ring buffer",
	}
	if tail := got[len(got)-len(want):]; !slices.Equal(tail, want) {
		t.Fatalf("report tail:\n got %q\nwant %q", tail, want)
	}
	// InitLines follow the plugin list; plugin lines sit between the dashes.
	i := slices.Index(got, "    06: pcapd, 0.9.3")
	if i < 0 || !strings.HasPrefix(got[i+1], "[INF] IPv4 Ver: 5") {
		t.Fatalf("init lines do not follow the plugin list: %q", got[i:i+2])
	}
	d := slices.Index(got, ruleDashes)
	if d < 0 || got[d+1] != s.PluginLines[0] || got[d+1+len(s.PluginLines)] != ruleDashes {
		t.Fatalf("plugin lines not between the dash rules")
	}
}

func TestWriteMemoryLine(t *testing.T) {
	// T2: ru_maxrss (KiB) / 1e6 "GB"; 100 * ru_maxrss * 1000 / physical memory.
	s := bgpSummary()
	s.PeakRSSKiB, s.MemTotal = 210000, 25600000000
	if got := render(t, s); !has(got, "Memory usage: 0.21 GB [0.82%]") {
		t.Fatalf("memory line not found in %q", got)
	}
}

type failWriter struct{}

var errDiskFull = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestWriteErrors(t *testing.T) {
	t.Run("writer fails", func(t *testing.T) {
		err := Write(failWriter{}, bgpSummary())
		if !errors.Is(err, errDiskFull) || !strings.HasPrefix(err.Error(), "write end report: ") {
			t.Fatalf("got %v, want wrapped %v", err, errDiskFull)
		}
	})
	t.Run("nil summary", func(t *testing.T) {
		var b strings.Builder
		if err := Write(&b, nil); err == nil || b.Len() != 0 {
			t.Fatalf("got err %v and %d bytes, want an error and no output", err, b.Len())
		}
	})
}
