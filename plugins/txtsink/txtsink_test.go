package txtsink

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/flowtap/flowtap/plugins"
	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/testenv"
)

var testCols = []api.Column{
	{Type: "C", Name: "dir", Desc: "Flow direction"},
	{Type: "U64", Name: "flowInd", Desc: "Flow index"},
	{Type: "H64", Name: "flowStat", Desc: "Flow status and warnings"},
}

func TestFlowsFile(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "cap")
	s, err := Create(prefix, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Path() != prefix+"_flows.txt" {
		t.Errorf("path %q, want %q", s.Path(), prefix+"_flows.txt")
	}
	if err := s.WriteHeader(testCols); err != nil {
		t.Fatal(err)
	}
	lines := []string{"A\t1\t0x0400000000004000", "B\t1\t0x0400000000004001"}
	for _, l := range lines {
		if err := s.WriteLine([]byte(l)); err != nil {
			t.Fatal(err)
		}
	}
	if s.Lines() != 2 {
		t.Errorf("Lines() = %d, want 2", s.Lines())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(prefix + "_flows.txt")
	if err != nil {
		t.Fatal(err)
	}
	// Section 7.6: '%' + TAB-separated names, then one line per direction,
	// '\n' line ends, no trailing TAB.
	want := "%dir\tflowInd\tflowStat\nA\t1\t0x0400000000004000\nB\t1\t0x0400000000004001\n"
	if string(got) != want {
		t.Errorf("flows file\n got %q\nwant %q", got, want)
	}
}

func TestStdout(t *testing.T) {
	var out bytes.Buffer
	s, err := Create("-", &out)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteHeader(testCols[:2]); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteLine([]byte("A\t7")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if want := "%dir\tflowInd\nA\t7\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
}

func TestNamedAndNames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p_packets.txt")
	s, err := CreateNamed(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteNames([]string{"pktNo", "flowInd"}); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteLine([]byte("1\t1")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "%pktNo\tflowInd\n1\t1\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestWriteErrorOnClose(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("/dev/full not available")
	}
	s, err := CreateNamed("/dev/full")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteHeader(testCols); err != nil {
		t.Fatalf("buffered header write failed early: %v", err)
	}
	if err := s.WriteLine([]byte("A\t1\t0x0400000000004000")); err != nil {
		t.Fatalf("buffered line write failed early: %v", err)
	}
	err = s.Close()
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Close: %v, want ENOSPC", err)
	}
	if !strings.Contains(err.Error(), "/dev/full") {
		t.Errorf("error %q does not name the file", err)
	}
}

func TestCreateErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "regular")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	under := filepath.Join(file, "x")
	if _, err := Create(under, nil); err == nil || !strings.Contains(err.Error(), "flows file") {
		t.Errorf("Create under a regular file: %v, want a flows file error", err)
	}
	if _, err := CreateNamed(under); err == nil || !strings.Contains(err.Error(), under) {
		t.Errorf("CreateNamed under a regular file: %v, want an error naming %s", err, under)
	}
	err := WriteHeadersFile(under+"_headers.txt", HeaderInfo{}, testCols)
	if err == nil || !strings.Contains(err.Error(), "headers file") {
		t.Errorf("WriteHeadersFile under a regular file: %v, want a headers file error", err)
	}
}

// TestHeadersFileMatchesT2 writes the headers file with T2's run values and
// the standard plugin set's columns, and compares it with T2's headers file
// for bgp-4byte-asn: every comment line and rows 1-40 must be identical
// (rows 41+ come from the tcpWin stand-in, section 0).
func TestHeadersFileMatchesT2(t *testing.T) {
	ref := filepath.Join(testenv.SharedDir(t, "t2-reference"), "bgp-4byte-asn", "bgp-4byte-asn_headers.txt")
	b, err := os.ReadFile(ref)
	if err != nil {
		t.Fatal(err)
	}
	want := testenv.SplitLines(string(b))
	info := HeaderInfo{
		Date:        "1795664316.000055159 sec (Thu 26 Nov 2026 03:38:36 UTC)",
		Version:     "Tranalyzer 0.9.3 (Anteater), Cobra",
		CommandLine: "tranalyzer -r bgp-4byte-asn.pcap -w out_bgp-4byte-asn/",
		PID:         18070,
		HWInfo:      "vm;Linux;6.18.44-fc-v782;#1 SMP PREEMPT_DYNAMIC @0;x86_64",
		SWInfo:      "libpcap version 1.10.3 (with TPACKET_V3)",
	}
	set := plugins.New(api.Options{}, filepath.Join(t.TempDir(), "unused"), false)
	for _, n := range set.Names() {
		info.Plugins = append(info.Plugins, n+", version 0.9.3")
	}
	path := filepath.Join(t.TempDir(), "x_headers.txt")
	if err := WriteHeadersFile(path, info, set.Columns()); err != nil {
		t.Fatal(err)
	}
	gb, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(gb, []byte("\n")) {
		t.Error("headers file does not end with a newline")
	}
	got := testenv.SplitLines(string(gb))
	rowsStart := -1
	for i, l := range want {
		if strings.HasPrefix(l, "# Col No.") {
			rowsStart = i + 1
		}
	}
	if rowsStart < 0 {
		t.Fatal("reference has no column table")
	}
	n := rowsStart + 40
	if len(got) < n {
		t.Fatalf("got %d lines, want at least %d", len(got), n)
	}
	for i := 0; i < n; i++ {
		if got[i] != want[i] {
			t.Errorf("line %d\n got %q\nwant %q", i+1, got[i], want[i])
		}
	}
	if rows := len(got) - rowsStart; rows != 45 {
		t.Errorf("%d column rows, want 45 (section 7)", rows)
	}
}
