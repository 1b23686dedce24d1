package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/flowtap/flowtap/userspace/testenv"
)

// TestWriterRoundTrip writes generated packets and reads them back with
// Reader and with tcpdump.
func TestWriterRoundTrip(t *testing.T) {
	pkts := testPackets(t, 0, 10, 700, 1460)
	path := filepath.Join(t.TempDir(), "out.pcap")
	w, err := Create(path, 1, 65535)
	if err != nil {
		t.Fatal(err)
	}
	// Times with ns digits, the epoch's first ns and the last ns of its
	// first second.
	times := []int64{genTs(0), genTs(1), 1, 999_999_999}
	for i, d := range pkts {
		// The last packet keeps only 100 bytes, as a snapped record would.
		capLen := uint32(len(d))
		if i == len(pkts)-1 {
			capLen = 100
		}
		if err := w.WritePacket(times[i], capLen, uint32(len(d)), d); err != nil {
			t.Fatal(err)
		}
	}
	if w.Packets() != uint64(len(pkts)) {
		t.Errorf("Packets %d, want %d", w.Packets(), len(pkts))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := readAll(t, r)
	if err != io.EOF || len(got) != len(pkts) || r.Format() != "pcap-ns" || r.Snaplen() != 65535 || r.LinkType() != 1 {
		t.Fatalf("read %d packets (%v), format %s snaplen %d link %d", len(got), err, r.Format(), r.Snaplen(), r.LinkType())
	}
	for i, p := range got {
		want := pkts[i][:p.CapLen]
		if p.TsNs != times[i] || !bytes.Equal(p.Data, want) || p.OrigLen != uint32(len(pkts[i])) {
			t.Errorf("packet %d: ts %d caplen %d len %d, want ts %d len %d", i+1, p.TsNs, p.CapLen, p.OrigLen, times[i], len(pkts[i]))
		}
	}
	tcpdumpTimes(t, path, times)
}

// tcpdumpTimes runs tcpdump on a file and compares its nanosecond epoch
// times with want.
func tcpdumpTimes(t *testing.T, path string, want []int64) {
	t.Helper()
	tcpdump := testenv.RequireTool(t, "tcpdump")
	out, err := exec.Command(tcpdump, "-r", path, "-nn", "-tt", "--time-stamp-precision=nano").Output()
	if err != nil {
		t.Fatalf("tcpdump -r %s: %v", path, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(want) == 0 && strings.TrimSpace(string(out)) == "" {
		return
	}
	if len(lines) != len(want) {
		t.Fatalf("tcpdump printed %d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, line := range lines {
		ts, _, _ := strings.Cut(line, " ")
		if w := fmt.Sprintf("%d.%09d", want[i]/1e9, want[i]%1e9); ts != w {
			t.Errorf("tcpdump line %d: time %s, want %s", i+1, ts, w)
		}
	}
}

// TestWriterEmpty checks that a capture without packets is a valid 24-byte
// file.
func TestWriterEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.pcap")
	w, err := Create(path, 113, 262144)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// a1b23c4d written little-endian, version 2.4, zone 0, sigfigs 0,
	// snaplen 262144, LINKTYPE_LINUX_SLL.
	want := []byte{0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 4, 0, 113, 0, 0, 0}
	if !bytes.Equal(data, want) {
		t.Fatalf("file is % x, want % x", data, want)
	}
	tcpdumpTimes(t, path, nil)
	if err := w.WritePacket(0, 0, 0, nil); err == nil {
		t.Error("WritePacket after Close succeeded")
	}
}

// TestWriterCopiesCapture copies a real capture record by record and
// checks that the copy reads back identically (bytes, times, lengths).
func TestWriterCopiesCapture(t *testing.T) {
	src := filepath.Join(testenv.SharedDir(t, "pcaps"), "zeek-tcp_timestamp.pcap") // snapped records
	r, err := Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	orig, err := readAll(t, r)
	if err != io.EOF {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "copy.pcap")
	w, err := Create(path, r.LinkType(), r.Snaplen())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range orig {
		if err := w.WritePacket(p.TsNs, p.CapLen, p.OrigLen, p.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	copied, err := readAll(t, c)
	if err != io.EOF || len(copied) != len(orig) {
		t.Fatalf("copy has %d packets (%v), want %d", len(copied), err, len(orig))
	}
	for i := range orig {
		a, b := orig[i], copied[i]
		if a.TsNs != b.TsNs || a.CapLen != b.CapLen || a.OrigLen != b.OrigLen || !bytes.Equal(a.Data, b.Data) {
			t.Fatalf("packet %d differs after the copy", i+1)
		}
	}
}

// TestWriterErrors checks that write failures surface, naming the file.
func TestWriterErrors(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	big := make([]byte, 1500)
	tests := []struct {
		name    string
		packets int // enough to overflow the buffer, or not
	}{
		{"full disk at close", 1},
		{"full disk while writing", 2 * writeBufSize / len(big)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := Create("/dev/full", 1, 65535)
			if err != nil {
				t.Fatal(err)
			}
			var writeErr error
			for range tc.packets {
				if writeErr = w.WritePacket(0, uint32(len(big)), uint32(len(big)), big); writeErr != nil {
					break
				}
			}
			closeErr := w.Close()
			if !errors.Is(closeErr, syscall.ENOSPC) || !strings.Contains(closeErr.Error(), "/dev/full") {
				t.Errorf("Close: got %v, want ENOSPC naming /dev/full", closeErr)
			}
			if tc.packets > 1 && !errors.Is(writeErr, syscall.ENOSPC) {
				t.Errorf("WritePacket: got %v, want ENOSPC", writeErr)
			}
		})
	}
	t.Run("caplen beyond data", func(t *testing.T) {
		w, err := Create(filepath.Join(t.TempDir(), "x.pcap"), 1, 65535)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if err := w.WritePacket(0, 10, 10, make([]byte, 5)); err == nil || w.Packets() != 0 {
			t.Errorf("got %v with %d packets, want an error and none written", err, w.Packets())
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		_, err := Create(filepath.Join(t.TempDir(), "no", "x.pcap"), 1, 65535)
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("got %v, want ErrNotExist", err)
		}
	})
}
