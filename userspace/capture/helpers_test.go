package capture

import (
	"bytes"
	"errors"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// readAll reads every packet, copying the data, until Next fails.
func readAll(t testing.TB, r *Reader) ([]Packet, error) {
	t.Helper()
	var pkts []Packet
	for {
		var p Packet
		err := r.Next(&p)
		if err != nil {
			return pkts, err
		}
		p.Data = bytes.Clone(p.Data)
		pkts = append(pkts, p)
	}
}

// tsharkFrame is one packet as tshark sees it.
type tsharkFrame struct {
	iface        int
	tsNs         int64
	hasTs        bool
	capLen, size uint32
	encap        int
	md5          string // of the captured bytes
}

// tsharkFrames runs tshark on a file. Rows without an encapsulation are
// pcapng custom blocks, which tshark lists as frames but are no packets.
// tshark exits non-zero on damaged files after printing what it could read.
func tsharkFrames(t testing.TB, tshark, file string) []tsharkFrame {
	t.Helper()
	cmd := exec.Command(tshark, "-o", "frame.generate_md5_hash:TRUE", "-r", file, "-T", "fields",
		"-e", "frame.number", "-e", "frame.interface_id", "-e", "frame.time_epoch",
		"-e", "frame.cap_len", "-e", "frame.len", "-e", "frame.encap_type", "-e", "frame.md5_hash")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("tshark %s: %v", file, err)
	}
	var frames []tsharkFrame
	for line := range strings.Lines(string(out)) {
		f := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
		if len(f) != 7 {
			t.Fatalf("tshark %s: unexpected line %q", file, line)
		}
		if f[5] == "" {
			continue
		}
		fr := tsharkFrame{iface: atoi(t, f[1]), capLen: uint32(atoi(t, f[3])),
			size: uint32(atoi(t, f[4])), encap: atoi(t, f[5]), md5: f[6]}
		if f[2] != "" {
			fr.tsNs, fr.hasTs = epochNs(t, f[2]), true
		}
		frames = append(frames, fr)
	}
	return frames
}

func atoi(t testing.TB, s string) int {
	t.Helper()
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("bad number %q: %v", s, err)
	}
	return n
}

// epochNs parses tshark's "sec.nnnnnnnnn" into ns since the epoch, modulo
// 2^64 like Packet.TsNs, so that times beyond the int64 range compare too.
func epochNs(t testing.TB, s string) int64 {
	t.Helper()
	neg := strings.HasPrefix(s, "-")
	secStr, fracStr, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	sec, err := strconv.ParseUint(secStr, 10, 64)
	if err != nil {
		t.Fatalf("bad epoch %q: %v", s, err)
	}
	// tshark prints the nanosecond field unnormalised, so a record whose
	// microsecond field exceeds 10^6 shows more than 9 digits.
	if len(fracStr) < 9 {
		fracStr += "000000000"[len(fracStr):]
	}
	frac, err := strconv.ParseUint(fracStr, 10, 64)
	if err != nil {
		t.Fatalf("bad epoch %q: %v", s, err)
	}
	ns := int64(sec*1e9 + frac)
	if neg {
		return -ns
	}
	return ns
}

// errReader returns data, then err.
type errReader struct {
	data []byte
	err  error
}

func (e *errReader) Read(p []byte) (int, error) {
	if len(e.data) == 0 {
		return 0, e.err
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

var _ io.Reader = (*errReader)(nil)
