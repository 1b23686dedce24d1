package main

// Command-line behaviour of the main job, run in-process through run():
// output PREFIX rules (t2-semantics.md 7.6), flag validation and the exit
// codes of the usage text (0 ok, 1 usage, 2 unreadable input, 3 truncated
// or corrupt input, 4 unwritable output), and `flowtap decode` against
// T2's tawk -V output. Unreadable and damaged input is in badinput_test.go.

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flowtap/flowtap/userspace/testenv"
)

// cliRun runs flowtap in-process and returns its exit code, stdout and
// stderr. A panic fails the test with the arguments that caused it.
func cliRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("flowtap %q panicked: %v", args, p)
			}
		}()
		code = run(context.Background(), args, &out, &errb)
	}()
	return code, out.String(), errb.String()
}

// cliRefused runs flowtap and checks that it exits with code (whose
// meaning is why), that stderr mentions want, and that it processed no
// input.
func cliRefused(t *testing.T, code int, why, want string, args ...string) {
	t.Helper()
	got, stdout, stderr := cliRun(t, args...)
	if got != code {
		t.Errorf("exit %d, want %d (%s)", got, code, why)
	}
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr %q does not mention %q", stderr, want)
	}
	if strings.Contains(stdout, "Number of processed") {
		t.Errorf("processed the input although it was refused (%s)", why)
	}
}

// cliSample returns the bundled sample capture.
func cliSample(t *testing.T) string {
	t.Helper()
	p := filepath.Join(testenv.RepoRoot(t), "testdata", "sample.pcap")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("bundled sample missing (run make sample): %v", err)
	}
	return p
}

// cliCopy copies src to dst (creating dst's directory) and returns dst.
func cliCopy(t *testing.T, src, dst string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	cliWrite(t, dst, b)
	return dst
}

func cliWrite(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// cliFlows reads a flows file and checks its shape (section 7.6): a '%'
// header line, then lines with as many TAB-separated fields, '\n' ends.
// It returns the column index by name and the lines split into fields.
func cliFlows(t *testing.T, path string) (map[string]int, [][]string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return cliParseFlows(t, path, b)
}

func cliParseFlows(t *testing.T, name string, b []byte) (map[string]int, [][]string) {
	t.Helper()
	if len(b) == 0 || b[len(b)-1] != '\n' {
		t.Fatalf("%s: empty or not ending in a newline", name)
	}
	rows := testenv.SplitLines(string(b))
	if !strings.HasPrefix(rows[0], "%dir\tflowInd\t") {
		t.Fatalf("%s: header line %.40q", name, rows[0])
	}
	names := strings.Split(strings.TrimPrefix(rows[0], "%"), "\t")
	cols := make(map[string]int, len(names))
	for i, n := range names {
		cols[n] = i
	}
	var lines [][]string
	for i, r := range rows[1:] {
		f := strings.Split(r, "\t")
		if len(f) != len(names) {
			t.Fatalf("%s line %d: %d fields, header has %d", name, i+2, len(f), len(names))
		}
		if f[0] != "A" && f[0] != "B" {
			t.Fatalf("%s line %d: dir %q", name, i+2, f[0])
		}
		lines = append(lines, f)
	}
	return cols, lines
}

// TestOutputPrefix checks outputPrefix against the PREFIX rules of
// section 7.6.
func TestOutputPrefix(t *testing.T) {
	tmp := t.TempDir()
	existing := filepath.Join(tmp, "existing")
	if err := os.Mkdir(existing, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, read, write, want string
	}{
		{"no -w: input minus extension", "/data/x.pcap", "", "/data/x"},
		{"no -w: only the last extension", "/data/x.v1.pcapng", "", "/data/x.v1"},
		{"no -w, no extension", "/data/capture", "", "/data/capture"},
		{"-w -: input minus extension", "/data/x.pcap", "-", "/data/x"},
		{"plain prefix", "/data/x.pcap", filepath.Join(tmp, "run1"), filepath.Join(tmp, "run1")},
		{"dir/ is created", "/data/x.pcap", filepath.Join(tmp, "new", "out") + "/", filepath.Join(tmp, "new", "out", "x")},
		{"existing dir without slash", "/data/x.pcap", existing, filepath.Join(existing, "x")},
		{"existing dir with slash", "/data/x.y.pcap", existing + "/", filepath.Join(existing, "x.y")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := outputPrefix(tc.read, tc.write)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("outputPrefix(%q, %q) = %q, want %q", tc.read, tc.write, got, tc.want)
			}
		})
	}
	if fi, err := os.Stat(filepath.Join(tmp, "new", "out")); err != nil || !fi.IsDir() {
		t.Errorf("-w DIR/ did not create the directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(tmp, "run1")); err == nil {
		t.Error("a plain prefix was created as a directory")
	}
}

// outputsAt lists the files a run wrote for prefix.
func outputsAt(prefix string) []string {
	var got []string
	for _, s := range []string{"_flows.txt", "_headers.txt", "_pcapd.pcap", "_log.txt", "_packets.txt"} {
		if _, err := os.Stat(prefix + s); err == nil {
			got = append(got, filepath.Base(prefix+s))
		}
	}
	return got
}

// TestPrefixRuns runs the command with each -w form and checks where the
// outputs land.
func TestPrefixRuns(t *testing.T) {
	std := []string{"cap.v1_flows.txt", "cap.v1_headers.txt", "cap.v1_pcapd.pcap"}
	tests := []struct {
		name   string
		write  func(tmp string) string // "" means no -w
		prefix func(tmp string) string
		extra  []string
		want   []string
	}{
		{"dir with slash is created", func(tmp string) string { return filepath.Join(tmp, "a", "b") + "/" },
			func(tmp string) string { return filepath.Join(tmp, "a", "b", "cap.v1") }, nil, std},
		{"existing dir without slash", func(tmp string) string { return mkdir(t, filepath.Join(tmp, "out")) },
			func(tmp string) string { return filepath.Join(tmp, "out", "cap.v1") }, nil, std},
		{"plain prefix", func(tmp string) string { return filepath.Join(tmp, "run") },
			func(tmp string) string { return filepath.Join(tmp, "run") }, nil,
			[]string{"run_flows.txt", "run_headers.txt", "run_pcapd.pcap"}},
		{"no -w", func(string) string { return "" },
			func(tmp string) string { return filepath.Join(tmp, "in", "cap.v1") }, nil, std},
		{"-l writes the report to PREFIX_log.txt", func(tmp string) string { return filepath.Join(tmp, "run") },
			func(tmp string) string { return filepath.Join(tmp, "run") }, []string{"-l"},
			[]string{"run_flows.txt", "run_headers.txt", "run_pcapd.pcap", "run_log.txt"}},
		{"-s writes PREFIX_packets.txt", func(tmp string) string { return filepath.Join(tmp, "run") },
			func(tmp string) string { return filepath.Join(tmp, "run") }, []string{"-s"},
			[]string{"run_flows.txt", "run_headers.txt", "run_pcapd.pcap", "run_packets.txt"}},
	}
	sample := cliSample(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			in := cliCopy(t, sample, filepath.Join(tmp, "in", "cap.v1.pcap"))
			args := []string{"-r", in}
			if w := tc.write(tmp); w != "" {
				args = append(args, "-w", w)
			}
			args = append(args, tc.extra...)
			code, stdout, stderr := cliRun(t, args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %s", code, stderr)
			}
			prefix := tc.prefix(tmp)
			if got := outputsAt(prefix); !slices.Equal(got, tc.want) {
				t.Errorf("outputs at %s: %v, want %v", prefix, got, tc.want)
			}
			_, lines := cliFlows(t, prefix+"_flows.txt")
			if len(lines) == 0 {
				t.Error("no flow lines")
			}
			logged := slices.Contains(tc.extra, "-l")
			if inReport := strings.Contains(stdout, "Number of processed packets:"); inReport == logged {
				t.Errorf("end report on stdout: %v, want %v", inReport, !logged)
			}
			if logged {
				b, err := os.ReadFile(prefix + "_log.txt")
				if err != nil || !strings.Contains(string(b), "Number of processed packets:") {
					t.Errorf("log file lacks the end report: %v", err)
				}
			}
		})
	}
}

func mkdir(t *testing.T, d string) string {
	t.Helper()
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestFlowsToStdout checks -w -: the flows go to stdout (the end report
// then needs -l), identical to the flows file of a normal run.
func TestFlowsToStdout(t *testing.T) {
	tmp := t.TempDir()
	in := cliCopy(t, cliSample(t), filepath.Join(tmp, "in", "cap.pcap"))
	code, _, stderr := cliRun(t, "-r", in, "-w", filepath.Join(tmp, "ref"))
	if code != 0 {
		t.Fatalf("reference run: exit %d: %s", code, stderr)
	}
	want, err := os.ReadFile(filepath.Join(tmp, "ref_flows.txt"))
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := cliRun(t, "-r", in, "-w", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stdout != string(want) {
		t.Errorf("stdout (%d bytes) differs from the flows file (%d bytes)", len(stdout), len(want))
	}
	if _, err := os.Stat(filepath.Join(tmp, "in", "cap_flows.txt")); err == nil {
		t.Error("-w - also wrote a flows file")
	}
}

// TestStdinInput checks -r -: the capture is read from standard input.
func TestStdinInput(t *testing.T) {
	tmp := t.TempDir()
	sample := cliSample(t)
	code, _, stderr := cliRun(t, "-r", sample, "-w", filepath.Join(tmp, "ref"))
	if code != 0 {
		t.Fatalf("reference run: exit %d: %s", code, stderr)
	}
	want, err := os.ReadFile(filepath.Join(tmp, "ref_flows.txt"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(sample)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = old }()
	out := filepath.Join(tmp, "out") + "/"
	code, stdout, stderr := cliRun(t, "-r", "-", "-w", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	flows, _ := filepath.Glob(filepath.Join(out, "*_flows.txt"))
	if len(flows) != 1 {
		t.Fatalf("flows files in %s: %v, want one", out, flows)
	}
	got, err := os.ReadFile(flows[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("flows from stdin (%d bytes) differ from flows from the file (%d bytes)", len(got), len(want))
	}
	if !strings.Contains(stdout, "Number of processed packets:") {
		t.Error("no end report on stdout")
	}
}

// TestValidate checks Config.Validate on one bad setting at a time.
func TestValidate(t *testing.T) {
	base := func() *Config {
		return &Config{Read: "x.pcap", PDEq: 1, FlowTimeout: 182 * time.Second, FlowCapacity: 262144,
			TCPWinThres: 1, Engine: "go"}
	}
	tests := []struct {
		name   string
		modify func(c *Config)
		want   string // substring of the error; "" means valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"version needs no input", func(c *Config) { c.Read, c.Version = "", true }, ""},
		{"no input", func(c *Config) { c.Read = "" }, "-r"},
		{"pd-eq 2", func(c *Config) { c.PDEq = 2 }, "--pd-eq"},
		{"pd-eq 0 is valid", func(c *Config) { c.PDEq = 0 }, ""},
		{"zero timeout", func(c *Config) { c.FlowTimeout = 0 }, "--flow-timeout"},
		{"negative timeout", func(c *Config) { c.FlowTimeout = -time.Second }, "--flow-timeout"},
		{"capacity 1", func(c *Config) { c.FlowCapacity = 1 }, "--flow-capacity"},
		{"capacity 2 is valid", func(c *Config) { c.FlowCapacity = 2 }, ""},
		{"threshold above 16 bits", func(c *Config) { c.TCPWinThres = 65537 }, "--tcpwin-thres"},
		{"threshold 65536 is valid", func(c *Config) { c.TCPWinThres = 65536 }, ""},
		{"unknown engine", func(c *Config) { c.Engine = "xdp" }, "--engine"},
		{"-v and -q", func(c *Config) { c.Verbose, c.Quiet = true, true }, "-q"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.modify(c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			case err != nil && (strings.HasPrefix(err.Error(), "failed") || err.Error() != strings.TrimRight(err.Error(), ".")):
				t.Errorf("error %q breaks the house style", err)
			}
		})
	}
}

// TestUsageErrors checks exit code 1 and a message on stderr.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // substring of stderr
	}{
		{"no arguments", nil, "-r"},
		{"unknown flag", []string{"--no-such-flag"}, "no-such-flag"},
		{"stray argument", []string{"-r", "x.pcap", "extra"}, "extra"},
		{"pd-eq out of range", []string{"-r", "x.pcap", "--pd-eq", "3"}, "--pd-eq"},
		{"zero timeout", []string{"-r", "x.pcap", "--flow-timeout", "0"}, "--flow-timeout"},
		{"tiny table", []string{"-r", "x.pcap", "--flow-capacity", "1"}, "--flow-capacity"},
		{"threshold too big", []string{"-r", "x.pcap", "--tcpwin-thres", "70000"}, "--tcpwin-thres"},
		{"engine", []string{"-r", "x.pcap", "--engine", "xdp"}, "--engine"},
		{"-v -q", []string{"-r", "x.pcap", "-v", "-q"}, "-q"},
		{"bad number", []string{"-r", "x.pcap", "--flow-capacity", "many"}, "flow-capacity"},
		{"decode without value", []string{"decode"}, "decode"},
		{"decode unknown column", []string{"decode", "noSuchColumn=0x1"}, "decode"},
		{"gen without -o", []string{"gen"}, "-o"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cliRefused(t, 1, "usage", tc.want, tc.args...)
		})
	}
}

func TestHelpAndVersion(t *testing.T) {
	code, _, stderr := cliRun(t, "-h")
	if code != 0 || !strings.Contains(stderr, "Exit status") || !strings.Contains(stderr, "-tcpwin-thres") {
		t.Errorf("-h: exit %d, usage text %q", code, stderr)
	}
	code, stdout, _ := cliRun(t, "--version")
	if code != 0 || !strings.HasPrefix(stdout, "flowtap ") {
		t.Errorf("--version: exit %d, stdout %q", code, stdout)
	}
}

// TestOutputErrors checks exit code 4 when the outputs cannot be created.
// Tests run as root, so permissions cannot be relied on: the paths go
// through a regular file, which fails for root too.
func TestOutputErrors(t *testing.T) {
	tmp := t.TempDir()
	in := cliSample(t)
	file := filepath.Join(tmp, "regular")
	cliWrite(t, file, []byte("x"))
	tests := []struct {
		name, write, want string
	}{
		{"directory under a regular file", filepath.Join(file, "out") + "/", "output directory"},
		{"prefix under a regular file", filepath.Join(file, "run"), filepath.Join(file, "run")},
		{"prefix in a missing directory", filepath.Join(tmp, "missing", "run"), filepath.Join(tmp, "missing", "run")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cliRefused(t, 4, "output cannot be written", tc.want, "-r", in, "-w", tc.write)
		})
	}
}

// TestDecode compares `flowtap decode NAME=VALUE` with every example of
// T2's tawk -V output, flowStat=0x0402000000004001 among them.
func TestDecode(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testenv.SharedDir(t, "t2-reference"), "tawk_V_examples.txt"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := map[string]string{}
	var order []string
	var cur string
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if arg, ok := strings.CutPrefix(l, "$ tawk -V "); ok {
			cur = strings.TrimSpace(arg)
			order = append(order, cur)
			continue
		}
		if cur != "" {
			blocks[cur] += l
		}
	}
	if blocks["flowStat=0x0402000000004001"] == "" {
		t.Fatal("reference has no flowStat=0x0402000000004001 block")
	}
	for _, arg := range order {
		t.Run(arg, func(t *testing.T) {
			code, stdout, stderr := cliRun(t, "decode", arg)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if stdout != blocks[arg] {
				t.Errorf("got\n%s\nwant\n%s", stdout, blocks[arg])
			}
		})
	}
}

// failWriter fails every write, like a full disk or a closed pipe.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// TestStdoutWriteError checks that a failing stdout ends the run with
// exit code 4 and a message, whether it carries the flows (-w -) or the
// end report.
func TestStdoutWriteError(t *testing.T) {
	tmp := t.TempDir()
	in := cliCopy(t, cliSample(t), filepath.Join(tmp, "cap.pcap"))
	tests := []struct {
		name string
		args []string
	}{
		{"flows on stdout", []string{"-r", in, "-w", "-"}},
		{"end report on stdout", []string{"-r", in, "-w", filepath.Join(tmp, "run")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var errb bytes.Buffer
			code := run(context.Background(), tc.args, failWriter{}, &errb)
			if code != 4 {
				t.Errorf("exit %d, want 4 (output cannot be written)", code)
			}
			if !strings.Contains(errb.String(), "no space left") {
				t.Errorf("stderr %q does not give the write error", errb.String())
			}
		})
	}
}
