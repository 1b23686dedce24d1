package capture

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/flowtap/flowtap/userspace/testenv"
)

// FuzzReader feeds arbitrary bytes to the reader. It must not panic, must
// end in io.EOF or a fault wrapping ErrTruncated or ErrCorrupt, and every
// packet it returns must be consistent with the input.
func FuzzReader(f *testing.F) {
	f.Add(buildPcap(f, 3, false))
	f.Add(buildPcap(f, 2, true))
	f.Add(buildPcapng(f, 2))
	// Without the shared captures the generated seeds still run; in CI
	// their absence is an error, as everywhere.
	if dir, ok := testenv.SharedDirIfPresent(f, "pcaps"); ok {
		for _, name := range []string{
			"tcpdump-tcp-handshake-nano.pcap", "ppp-nanosecs_big_endian.pcap",
			"zeek-pcapng-multi-interface.pcapng", "gopacket-be_test202.pcapng",
			"sv-bug-6875-01_fuzz.pcap", "gopacket-le_test901.pcapng",
			"zeek-trunc_ip-discarder-truncated-tcp-oob.pcapng",
		} {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), "fuzz", int64(len(data)))
		if err != nil {
			checkFault(t, err)
			return
		}
		var p Packet
		lastOff := int64(-1)
		for n := uint64(1); ; n++ {
			err := r.Next(&p)
			if err != nil {
				if err != io.EOF {
					checkFault(t, err)
				}
				break
			}
			if p.Record != n || p.Offset <= lastOff || int(p.CapLen) != len(p.Data) {
				t.Fatalf("packet %d: record %d offset %d (last %d) caplen %d data %d",
					n, p.Record, p.Offset, lastOff, p.CapLen, len(p.Data))
			}
			if p.Offset+int64(len(p.Data)) > int64(len(data)) || r.BytesRead() > int64(len(data)) {
				t.Fatalf("packet %d reaches beyond the input", n)
			}
			lastOff = p.Offset
		}
	})
}

func checkFault(t *testing.T, err error) {
	t.Helper()
	var re *RecordError
	if !errors.As(err, &re) || !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrCorrupt) {
		t.Fatalf("got %v, want a *RecordError wrapping ErrTruncated or ErrCorrupt", err)
	}
}
