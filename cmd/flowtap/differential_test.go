//go:build linux

package main

// Differential test of the two offline engines (issue "flowtap live",
// item 5): `--engine go` and `--engine bpf` (every packet through the XDP
// program with BPF_PROG_RUN) must write the same files and the same end
// report on every shared capture, the bundled sample, a generated
// benchmark capture and damaged captures. Privileged: it loads the program.

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/flowtap/flowtap/userspace/bpfengine"
	"github.com/flowtap/flowtap/userspace/capgen"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// diffOptionSets are the command lines every capture is run with: the
// defaults, the main job with force mode, and one that stresses the flow
// table (eviction, short timeouts), PD_EQ=0 extraction and packet mode.
var diffOptionSets = []struct {
	name string
	args []string
	big  bool // also run on the generated benchmark capture
}{
	{"defaults", nil, true},
	{"pdopp-minpkts1-force", []string{"--pd-opp", "--tcpwin-minpkts", "1", "--force-mode"}, true},
	{"capacity64-timeout5-pdeq0-s", []string{"-s", "--pd-eq=0", "--tcpwin-thres", "1000", "--flow-timeout", "5", "--flow-capacity", "64"}, false},
}

// diffCapture is one input of the differential test.
type diffCapture struct {
	name, path string
	big        bool
}

// diffCaptures lists the shared captures, the sample, damaged copies of
// the sample and a generated benchmark capture (200,000 packets, 5,000
// connections).
func diffCaptures(t *testing.T) []diffCapture {
	var out []diffCapture
	for _, p := range testenv.SharedPcaps(t) {
		out = append(out, diffCapture{name: filepath.Base(p), path: p})
	}
	sample := cliSample(t)
	out = append(out, diffCapture{name: "sample.pcap", path: sample})
	data, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// Cut inside a record header, inside a record's data, and a corrupt
	// record length: every packet before the fault counts.
	offs := recordOffsets(t, data)
	if len(offs) < 100 {
		t.Fatalf("sample has %d records", len(offs))
	}
	cuts := map[string][]byte{
		"sample-cut-header.pcap": data[:offs[60]+7],
		"sample-cut-data.pcap":   data[:offs[120]+30],
	}
	bad := append([]byte(nil), data...)
	// The captured length of record 90 becomes larger than any snap length.
	copy(bad[offs[89]+8:], []byte{0xff, 0xff, 0xff, 0x7f})
	cuts["sample-bad-length.pcap"] = bad
	names := make([]string, 0, len(cuts))
	for n := range cuts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, n)
		cliWrite(t, p, cuts[n])
		out = append(out, diffCapture{name: n, path: p})
	}
	bench := filepath.Join(dir, "capgen-bench.pcap")
	f, err := os.Create(bench)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	cfg := capgen.DefaultBenchConfig()
	cfg.Packets, cfg.Connections, cfg.Live = 200_000, 5_000, 1_000
	if _, err := capgen.WriteBench(w, cfg); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return append(out, diffCapture{name: "capgen-bench-200k", path: bench, big: true})
}

// TestDifferentialGoBPF runs every capture with both engines and compares
// exit codes, every output file byte for byte (the headers file with its
// run-specific preamble masked) and the end report (run-specific lines and
// the bpf engine's own lines masked; those are checked on their own).
func TestDifferentialGoBPF(t *testing.T) {
	testenv.RequirePrivileged(t)
	caps := diffCaptures(t)
	for _, set := range diffOptionSets {
		for _, c := range caps {
			if c.big && !set.big {
				continue
			}
			t.Run(set.name+"/"+c.name, func(t *testing.T) {
				diffRun(t, c.path, set.args)
			})
		}
	}
}

// diffRun runs one capture with both engines and compares.
func diffRun(t *testing.T, input string, args []string) {
	dir := t.TempDir()
	type result struct {
		code           int
		stdout, stderr string
		files          map[string][]byte
	}
	var res [2]result
	// Both runs write to the same place, so that the paths they print agree.
	out := filepath.Join(dir, "out") + string(filepath.Separator)
	for i, engine := range []string{"go", "bpf"} {
		a := append([]string{"-r", input, "-w", out, "--engine", engine}, args...)
		r := &res[i]
		r.code, r.stdout, r.stderr = cliRun(t, a...)
		r.files = readOutputs(t, out)
		if err := os.RemoveAll(out); err != nil {
			t.Fatal(err)
		}
	}
	g, b := &res[0], &res[1]
	if g.code != b.code {
		t.Errorf("exit %d (go) vs %d (bpf); stderr:\n go  %s\n bpf %s", g.code, b.code, g.stderr, b.stderr)
	}
	if len(g.files) == 0 {
		t.Fatalf("the Go engine wrote nothing (exit %d): %s", g.code, g.stderr)
	}
	for name, gb := range g.files {
		bb, ok := b.files[name]
		switch {
		case !ok:
			t.Errorf("%s: written by the Go engine only", name)
		case strings.HasSuffix(name, "_headers.txt"):
			diffText(t, name, maskHeaders(string(gb)), maskHeaders(string(bb)))
		case string(gb) != string(bb):
			diffText(t, name, string(gb), string(bb))
			if !strings.HasSuffix(name, ".txt") {
				t.Errorf("%s differs: %d bytes (go) vs %d (bpf), first difference at byte %d", name, len(gb), len(bb), firstDiff(gb, bb))
			}
		}
	}
	for name := range b.files {
		if _, ok := g.files[name]; !ok {
			t.Errorf("%s: written by the bpf engine only", name)
		}
	}
	gr, gk := splitReport(g.stdout)
	br, bk := splitReport(b.stdout)
	diffText(t, "end report", gr, br)
	if len(gk) != 0 {
		t.Errorf("the Go engine printed bpf engine lines: %q", gk)
	}
	checkKernelLines(t, bk)
}

// readOutputs reads every file under dir by name.
func readOutputs(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// maskHeaders hides the headers file's run-specific preamble.
func maskHeaders(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = maskHeaderPreamble(i+1, l)
	}
	return strings.Join(lines, "\n")
}

// splitReport masks the run-specific lines of an end report and takes out
// the bpf engine's own lines.
func splitReport(s string) (masked string, kernel []string) {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		switch {
		case strings.Contains(l, "] "+bpfengine.Prefix):
			kernel = append(kernel, l)
			continue
		case strings.HasPrefix(l, "Date:"), strings.HasPrefix(l, "Finished processing. Elapsed time"),
			strings.HasPrefix(l, "Finished unloading flow memory"), strings.HasPrefix(l, "Memory usage"):
			l = "<masked>"
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n"), kernel
}

// checkKernelLines checks the bpf engine's own report lines: present,
// no warning, and pcapd's "written + dropped = selected" holding.
func checkKernelLines(t *testing.T, lines []string) {
	t.Helper()
	if len(lines) < 5 {
		t.Fatalf("bpf engine report lines: %q, want the five lines", lines)
	}
	identity := false
	for _, l := range lines {
		if !strings.HasPrefix(l, "[INF] ") {
			t.Errorf("bpf engine: %s", l)
		}
		if strings.Contains(l, "counted as dropped") && strings.Contains(l, ": holds;") {
			identity = true
		}
	}
	if !identity {
		t.Errorf("no pcapd line with the identity holding in %q", lines)
	}
}

// diffText reports the first differing lines of two texts.
func diffText(t *testing.T, name, g, b string) {
	t.Helper()
	if g == b {
		return
	}
	gl, bl := strings.Split(g, "\n"), strings.Split(b, "\n")
	shown := 0
	for i := 0; i < max(len(gl), len(bl)) && shown < 5; i++ {
		var x, y string
		if i < len(gl) {
			x = gl[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			shown++
			t.Errorf("%s line %d differs:\n go  %.300s\n bpf %.300s", name, i+1, x, y)
		}
	}
	if len(gl) != len(bl) {
		t.Errorf("%s: %d lines (go) vs %d (bpf)", name, len(gl), len(bl))
	}
}

// TestBPFEngineNeedsPrivileges checks the refusal without privileges:
// exit 1, the message naming what is needed, and no output written. As
// root it runs flowtap in a copy of this test binary as user nobody.
func TestBPFEngineNeedsPrivileges(t *testing.T) {
	if args := os.Getenv("FLOWTAP_HELPER_ARGS"); args != "" {
		// The helper process: flowtap as its caller asked.
		code, stdout, stderr := cliRun(t, strings.Split(args, "\x1f")...)
		os.Stdout.WriteString(stdout)
		os.Stderr.WriteString(stderr)
		os.Exit(code)
	}
	dir, err := os.MkdirTemp("", "flowtap-unprivileged")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	in := cliCopy(t, cliSample(t), filepath.Join(dir, "in.pcap"))
	args := []string{"-r", in, "-w", filepath.Join(dir, "out") + "/", "--engine", "bpf"}
	var code int
	var stdout, stderr string
	if os.Geteuid() != 0 {
		code, stdout, stderr = cliRun(t, args...)
	} else {
		code, stdout, stderr = runAsNobody(t, dir, args)
	}
	if code != exitUsage || !strings.Contains(stderr, bpfNeeds) {
		t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, exitUsage, bpfNeeds)
	}
	if strings.Contains(stdout, "Number of processed") {
		t.Error("an end report was printed although the engine could not start")
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Errorf("outputs were created (%v)", err)
	}
}

// runAsNobody runs this test binary, copied into dir, as user nobody
// (65534), with the helper branch of TestBPFEngineNeedsPrivileges running
// flowtap with args.
func runAsNobody(t *testing.T, dir string, args []string) (int, string, string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := cliCopy(t, self, filepath.Join(dir, "flowtap.test"))
	if err := os.Chmod(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestBPFEngineNeedsPrivileges$")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "FLOWTAP_HELPER_ARGS="+strings.Join(args, "\x1f"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatalf("run as nobody: %v", err)
	return 0, "", ""
}
