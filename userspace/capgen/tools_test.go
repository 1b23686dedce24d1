package capgen

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/userspace/testenv"
)

// toolCase is a named capture generator.
type toolCase struct {
	name string
	gen  func(io.Writer) (*Truth, error)
}

// toolCases are the captures the external decoders must agree on.
func toolCases() []toolCase {
	return []toolCase{
		{"sample", func(w io.Writer) (*Truth, error) { return WriteSample(w, DefaultSampleConfig()) }},
		{"bench", func(w io.Writer) (*Truth, error) { return WriteBench(w, smallBench()) }},
	}
}

// generate writes the case's capture to a temporary file and returns its
// truth, its bytes and the file's path.
func (tc toolCase) generate(t *testing.T) (*Truth, []byte, string) {
	t.Helper()
	var buf bytes.Buffer
	truth, err := tc.gen(&buf)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	return truth, buf.Bytes(), writeTemp(t, tc.name+".pcap", buf.Bytes())
}

// tsharkChecksums makes tshark verify every checksum it knows.
var tsharkChecksums = []string{
	"-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
}

func TestTsharkAgrees(t *testing.T) {
	tshark := testenv.RequireTool(t, "tshark")
	for _, tc := range toolCases() {
		t.Run(tc.name, func(t *testing.T) {
			truth, _, file := tc.generate(t)
			t.Run("frames and zero windows", func(t *testing.T) {
				out := runTool(t, tshark, append([]string{"-r", file, "-T", "fields",
					"-e", "frame.number", "-e", "tcp.window_size_value"}, tsharkChecksums...)...)
				lines := testenv.SplitLines(out)
				zero := 0
				for _, l := range lines {
					if f := strings.Split(l, "\t"); len(f) == 2 && f[1] == "0" {
						zero++
					}
				}
				if len(lines) != truth.Packets || zero != truth.LowWindow {
					t.Errorf("tshark: %d frames, %d with window 0; truth %d and %d",
						len(lines), zero, truth.Packets, truth.LowWindow)
				}
			})
			t.Run("tcp conversations", func(t *testing.T) {
				out := runTool(t, tshark, "-r", file, "-q", "-z", "conv,tcp")
				if n := strings.Count(out, "<->"); n != truth.TCPConns {
					t.Errorf("tshark lists %d TCP conversations, truth %d", n, truth.TCPConns)
				}
			})
			t.Run("no malformed packets or errors", func(t *testing.T) {
				out := runTool(t, tshark, append([]string{"-r", file,
					"-Y", "_ws.malformed || _ws.expert.severity == error"}, tsharkChecksums...)...)
				if out != "" {
					t.Errorf("tshark reports errors:\n%s", firstLines(out, 10))
				}
			})
		})
	}
}

func TestTcpdumpReadsEveryPacket(t *testing.T) {
	tcpdump := testenv.RequireTool(t, "tcpdump")
	for _, tc := range toolCases() {
		t.Run(tc.name, func(t *testing.T) {
			truth, data, file := tc.generate(t)
			out := runTool(t, tcpdump, "-r", file, "-nn")
			lines := testenv.SplitLines(out)
			if len(lines) != truth.Packets {
				t.Fatalf("tcpdump printed %d lines, truth has %d packets", len(lines), truth.Packets)
			}
			// "[|proto]" marks a header tcpdump could not finish reading. It
			// is expected only on first fragments: tcpdump does not reassemble.
			pkts := readCapture(t, data)
			for i, l := range lines {
				if strings.Contains(l, "[|") && !isFirstFragment(pkts[i]) {
					t.Errorf("tcpdump found a truncated header in packet %d: %s", i+1, firstLines(l, 1))
				}
			}
			// -vv verifies IP, TCP and UDP checksums.
			verbose := runTool(t, tcpdump, "-r", file, "-nn", "-vv")
			for _, bad := range []string{"bad cksum", "incorrect", "[bad"} {
				if strings.Contains(verbose, bad) {
					t.Errorf("tcpdump -vv reports %q:\n%s", bad, grepLines(verbose, bad, 5))
				}
			}
		})
	}
}

func isFirstFragment(d decoded) bool {
	ip, ok := d.pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	return ok && ip.FragOffset == 0 && ip.Flags&layers.IPv4MoreFragments != 0
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

func grepLines(s, sub string, n int) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) && len(out) < n {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
