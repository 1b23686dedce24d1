package main

// Damaged input: truncated and corrupt captures must end with exit code 3,
// a message naming the file, the record and its byte offset, and complete,
// valid outputs holding everything read before the fault; no capture and
// no prefix of one may make flowtap panic or return another exit code.
// Input that cannot be read at all exits with 2; a link type flowtap cannot
// decode is not an error.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtap/flowtap/userspace/testenv"
)

// badLayout is what an independent walk of a classic pcap file finds.
type badLayout struct {
	records  int   // complete records before the fault (or in total)
	faultRec int   // 1-based record at which the file breaks; 0 when clean
	faultOff int64 // byte offset of that record's header
}

// badWalk walks the records of a classic pcap file (either byte order,
// micro- or nanosecond magic). A record breaks the file when its header or
// data runs past the end, or when its caplen exceeds 262144, libpcap's
// limit for ordinary link types. ok is false for anything else (pcapng,
// short or unknown file header, link types with other limits).
func badWalk(data []byte) (l badLayout, ok bool) {
	if len(data) < 24 {
		return l, false
	}
	var bo binary.ByteOrder
	switch binary.LittleEndian.Uint32(data) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		bo = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		return l, false
	}
	switch bo.Uint32(data[20:]) & 0x0fffffff {
	case 231, 249, 279: // link types with larger caplen limits
		return l, false
	}
	off := int64(24)
	for off < int64(len(data)) {
		rest := int64(len(data)) - off
		if rest < 16 {
			return badLayout{records: l.records, faultRec: l.records + 1, faultOff: off}, true
		}
		caplen := int64(bo.Uint32(data[off+8:]))
		if caplen > 262144 || 16+caplen > rest {
			return badLayout{records: l.records, faultRec: l.records + 1, faultOff: off}, true
		}
		l.records++
		off += 16 + caplen
	}
	return l, true
}

// recordOffsets returns the offsets of the first n record headers.
func recordOffsets(t *testing.T, data []byte) []int64 {
	t.Helper()
	if _, ok := badWalk(data); !ok {
		t.Fatal("not a classic pcap")
	}
	var offs []int64
	for off := int64(24); off+16 <= int64(len(data)); {
		offs = append(offs, off)
		off += 16 + int64(binary.LittleEndian.Uint32(data[off+8:]))
	}
	return offs
}

var (
	badFaultRe     = regexp.MustCompile(`record (\d+) at offset (\d+)`)
	badProcessedRe = regexp.MustCompile(`(?m)^Number of processed packets: (\d+)`)
	badExtractedRe = regexp.MustCompile(`(?m)^pcapd: number of packets extracted: (\d+)`)
)

// badPcapdRecords reads a pcapd file with gopacket to its end and returns
// the number of records; a pcapng file, or any error before a clean EOF,
// fails the test.
func badPcapdRecords(t *testing.T, path string) int {
	t.Helper()
	c := testenv.ReadPcapFrames(t, path)
	if c.Ng {
		t.Fatalf("%s: pcapng, want a classic pcap", path)
	}
	return len(c.Frames)
}

// badTcpdumpRecords reads a pcap file with tcpdump and returns the number
// of packets it printed.
func badTcpdumpRecords(t *testing.T, path string) int {
	t.Helper()
	tcpdump := testenv.RequireTool(t, "tcpdump")
	var stderr bytes.Buffer
	cmd := exec.Command(tcpdump, "-n", "-q", "-r", path)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tcpdump -r %s: %v: %s", path, err, stderr.String())
	}
	return strings.Count(string(out), "\n")
}

// TestTruncatedInput runs flowtap on captures that break mid-record and on
// a copy of each holding only the records before the break: the first run
// must exit 3 naming the file, record and offset, and write exactly the
// flows file and pcapd file of the clean copy.
func TestTruncatedInput(t *testing.T) {
	sample, err := os.ReadFile(cliSample(t))
	if err != nil {
		t.Fatal(err)
	}
	offs := recordOffsets(t, sample)
	if len(offs) < 150 {
		t.Fatalf("sample has %d records, the cuts below need 150", len(offs))
	}
	type input struct {
		name string
		data func(t *testing.T) []byte
	}
	shared := func(name string) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			b, err := os.ReadFile(filepath.Join(testenv.SharedDir(t, "pcaps"), name))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	cut := func(n int64) func(*testing.T) []byte {
		return func(*testing.T) []byte { return sample[:n] }
	}
	inputs := []input{
		{"sv-http-mime-truncated", shared("sv-http-mime-truncated.pcap")},
		{"sv-bug-6875-01_fuzz", shared("sv-bug-6875-01_fuzz.pcap")},
		{"sample cut in record header 50", cut(offs[49] + 7)},
		{"sample cut in packet data 120", cut(offs[119] + 16 + 10)},
		{"sample cut one byte short", cut(int64(len(sample)) - 1)},
		{"sample cut after the file header", cut(24 + 3)},
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			data := in.data(t)
			lay, ok := badWalk(data)
			if !ok || lay.faultRec == 0 {
				t.Fatalf("test input is not a broken classic pcap: %+v", lay)
			}
			tmp := t.TempDir()
			bad := filepath.Join(tmp, "bad", "cap.pcap")
			cliWrite(t, bad, data)
			code, stdout, stderr := cliRun(t, "-r", bad, "-w", filepath.Join(tmp, "bad")+"/", "--pd-opp")
			if code != 3 {
				t.Fatalf("exit %d, want 3 (truncated or corrupt input); stderr %s", code, stderr)
			}
			m := badFaultRe.FindStringSubmatch(stderr)
			want := []string{strconv.Itoa(lay.faultRec), strconv.FormatInt(lay.faultOff, 10)}
			if m == nil || m[1] != want[0] || m[2] != want[1] || !strings.Contains(stderr, bad) {
				t.Errorf("stderr %q: want the file %s, record %s at offset %s", stderr, bad, want[0], want[1])
			}
			// Zero-valued counter lines are omitted (section 8).
			if p := badProcessedRe.FindStringSubmatch(stdout); (p == nil) != (lay.records == 0) || p != nil && p[1] != strconv.Itoa(lay.records) {
				t.Errorf("report processed packets %v, want %d", p, lay.records)
			}

			clean := filepath.Join(tmp, "clean", "cap.pcap")
			cliWrite(t, clean, data[:lay.faultOff])
			code, cleanOut, stderr := cliRun(t, "-r", clean, "-w", filepath.Join(tmp, "clean")+"/", "--pd-opp")
			if code != 0 {
				t.Fatalf("clean copy: exit %d: %s", code, stderr)
			}
			for _, suffix := range []string{"_flows.txt", "_pcapd.pcap"} {
				got, err1 := os.ReadFile(filepath.Join(tmp, "bad", "cap"+suffix))
				want, err2 := os.ReadFile(filepath.Join(tmp, "clean", "cap"+suffix))
				if err1 != nil || err2 != nil {
					t.Fatalf("read outputs: %v %v", err1, err2)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the clean copy's (%d vs %d bytes)", suffix, len(got), len(want))
				}
			}
			_, lines := cliFlows(t, filepath.Join(tmp, "bad", "cap_flows.txt"))
			if lay.records > 0 && len(lines) == 0 {
				t.Error("no flow lines for the packets before the fault")
			}
			pd := filepath.Join(tmp, "bad", "cap_pcapd.pcap")
			n := badPcapdRecords(t, pd)
			if e := badExtractedRe.FindStringSubmatch(stdout); (e == nil && n != 0) || (e != nil && e[1] != strconv.Itoa(n)) {
				t.Errorf("pcapd file has %d records, report says %v", n, e)
			}
			if td := badTcpdumpRecords(t, pd); td != n {
				t.Errorf("tcpdump reads %d packets from the pcapd file, gopacket %d", td, n)
			}
			if cleanExtracted := badExtractedRe.FindString(cleanOut); cleanExtracted != badExtractedRe.FindString(stdout) {
				t.Errorf("extraction line %q, clean copy %q", badExtractedRe.FindString(stdout), cleanExtracted)
			}
		})
	}
}

// TestTruncatedSampleKeepsPackets checks, on cuts of the sample, that the
// flow lines account for exactly the packets before the fault (every
// sample packet belongs to a flow).
func TestTruncatedSampleKeepsPackets(t *testing.T) {
	sample, err := os.ReadFile(cliSample(t))
	if err != nil {
		t.Fatal(err)
	}
	offs := recordOffsets(t, sample)
	for _, rec := range []int{1, 2, 77, len(offs) / 2, len(offs)} {
		t.Run(fmt.Sprintf("record %d", rec), func(t *testing.T) {
			tmp := t.TempDir()
			in := filepath.Join(tmp, "cut.pcap")
			cliWrite(t, in, sample[:offs[rec-1]+16+1]) // one data byte of record rec
			code, _, stderr := cliRun(t, "-r", in, "-w", tmp+"/")
			if code != 3 {
				t.Fatalf("exit %d, want 3: %s", code, stderr)
			}
			cols, lines := cliFlows(t, filepath.Join(tmp, "cut_flows.txt"))
			sum := 0
			for _, l := range lines {
				n, err := strconv.Atoi(l[cols["pktsSnt"]])
				if err != nil {
					t.Fatal(err)
				}
				sum += n
			}
			if sum != rec-1 {
				t.Errorf("flow lines hold %d packets, want the %d before record %d", sum, rec-1, rec)
			}
		})
	}
}

// TestNoPanicOnSharedCaptures runs flowtap in-process on every shared
// capture and on 10 prefixes of each, cut at offsets drawn from a seeded
// generator. Every run must return 0, 2 or 3 without panicking; for classic
// pcap files the code must be the one the record layout calls for, and
// every run that got past the file header must leave a well-formed flows
// file and a readable pcapd file.
func TestNoPanicOnSharedCaptures(t *testing.T) {
	for i, path := range testenv.SharedPcaps(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(20261126, uint64(i)))
			cuts := []int{len(data)}
			for range 10 {
				cuts = append(cuts, rng.IntN(len(data)))
			}
			tmp := t.TempDir()
			for j, n := range cuts {
				in := filepath.Join(tmp, fmt.Sprintf("cut%02d.pcap", j))
				cliWrite(t, in, data[:n])
				checkDamagedRun(t, in, data[:n])
			}
		})
	}
}

// checkDamagedRun runs flowtap on in (holding data) and checks the result.
func checkDamagedRun(t *testing.T, in string, data []byte) {
	t.Helper()
	prefix := strings.TrimSuffix(in, ".pcap") + "-out"
	code, _, stderr := cliRun(t, "-r", in, "-w", prefix)
	what := fmt.Sprintf("%s (%d bytes)", filepath.Base(in), len(data))
	if code != 0 && code != 2 && code != 3 {
		t.Fatalf("%s: exit %d, want 0, 2 or 3; stderr %s", what, code, stderr)
	}
	if code != 0 && !strings.Contains(stderr, in) {
		t.Errorf("%s: exit %d without naming the file: %s", what, code, stderr)
	}
	if lay, ok := badWalk(data); ok {
		want := 0
		if lay.faultRec != 0 {
			want = 3
		}
		if code != want {
			t.Errorf("%s: exit %d, want %d (layout %+v); stderr %s", what, code, want, lay, stderr)
		}
		if want == 3 {
			m := badFaultRe.FindStringSubmatch(stderr)
			if m == nil || m[1] != strconv.Itoa(lay.faultRec) || m[2] != strconv.FormatInt(lay.faultOff, 10) {
				t.Errorf("%s: stderr %q, want record %d at offset %d", what, stderr, lay.faultRec, lay.faultOff)
			}
		}
	}
	if code == 2 {
		return
	}
	cliFlows(t, prefix+"_flows.txt")
	badPcapdRecords(t, prefix+"_pcapd.pcap")
}

// TestInputErrors checks exit code 2 for input that cannot be opened or
// is no capture at all, with the file named on stderr and no outputs.
func TestInputErrors(t *testing.T) {
	tmp := t.TempDir()
	text := filepath.Join(tmp, "notes.pcap")
	cliWrite(t, text, []byte("this is not a capture file, just some text\n"))
	empty := filepath.Join(tmp, "empty.pcap")
	cliWrite(t, empty, nil)
	dir := mkdir(t, filepath.Join(tmp, "adir.pcap"))
	tests := []struct {
		name, path, want string
	}{
		{"missing file", filepath.Join(tmp, "missing.pcap"), "no such file"},
		{"a directory", dir, "adir.pcap"},
		{"text file", text, "notes.pcap"},
		{"empty file", empty, "empty.pcap"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(tmp, "out-"+filepath.Base(tc.path))
			code, _, stderr := cliRun(t, "-r", tc.path, "-w", out)
			if code != 2 {
				t.Errorf("exit %d, want 2 (input cannot be read); stderr %s", code, stderr)
			}
			if !strings.Contains(stderr, tc.path) || !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q does not name %s (%s)", stderr, tc.path, tc.want)
			}
			if got := outputsAt(out); len(got) != 0 {
				t.Errorf("outputs written for unreadable input: %v", got)
			}
		})
	}
}

// TestUnknownLinkType checks a capture whose link type flowtap cannot
// decode (147, DLT_USER0): every record is processed as a packet without
// flow, the run succeeds and the report counts them.
func TestUnknownLinkType(t *testing.T) {
	tmp := t.TempDir()
	var b bytes.Buffer
	le := binary.LittleEndian
	// pcap file header: magic, version 2.4, zone, sigfigs, snaplen, link type.
	for _, v := range []any{uint32(0xa1b2c3d4), uint16(2), uint16(4), int32(0), uint32(0), uint32(65535), uint32(147)} {
		if err := binary.Write(&b, le, v); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		payload := bytes.Repeat([]byte{byte(0x40 + i)}, 20+i)
		for _, v := range []uint32{1700000000 + uint32(i), 0, uint32(len(payload)), uint32(len(payload))} {
			if err := binary.Write(&b, le, v); err != nil {
				t.Fatal(err)
			}
		}
		b.Write(payload)
	}
	in := filepath.Join(tmp, "user0.pcap")
	cliWrite(t, in, b.Bytes())
	prefix := filepath.Join(tmp, "out")
	code, stdout, stderr := cliRun(t, "-r", in, "-w", prefix)
	if code != 0 {
		t.Fatalf("exit %d, want 0; stderr %s", code, stderr)
	}
	if !strings.Contains(stdout, "Number of processed packets: 3\n") {
		t.Errorf("end report lacks the 3 processed packets:\n%s", stdout)
	}
	// T2 prints "Number of packets without flow" only when some packets
	// had a flow; here the input warning line counts them instead.
	warn := regexp.MustCompile(`(?m)^\[WRN\] ` + regexp.QuoteMeta(in) + `: 3 packets .*\b147\b`)
	if !warn.MatchString(stdout) {
		t.Errorf("end report has no warning counting the 3 packets of link type 147:\n%s", stdout)
	}
	if strings.Contains(stdout, "Number of A packets") {
		t.Error("packets without flow were counted as A packets")
	}
	if _, lines := cliFlows(t, prefix+"_flows.txt"); len(lines) != 0 {
		t.Errorf("%d flow lines, want none", len(lines))
	}
	if fi, err := os.Stat(prefix + "_pcapd.pcap"); err != nil || fi.Size() != 24 {
		t.Errorf("pcapd file: %v, size %v; want a 24-byte file", err, fi)
	}
}
