package capture

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/flowtap/flowtap/userspace/testenv"
)

// TestReaderMatchesPcapgo reads every shared capture with this package
// and with gopacket's pcapgo, the reader the project's guide names (this
// one replaces it for batch reads without copies and for errors that name
// the record and byte offset). Records must agree in bytes, lengths and
// time; where the two differ, tshark decides, and it must side with this
// reader: pcapgo misreads some pcapng files (several interfaces, several
// sections, big-endian sections).
func TestReaderMatchesPcapgo(t *testing.T) {
	tshark := testenv.RequireTool(t, "tshark")
	agreed, decided := 0, 0
	for _, f := range testenv.SharedPcaps(t) {
		name := filepath.Base(f)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ref, refErr := testenv.ParsePcap(data, 0)
		got, gotErr := readAllBytes(data, f)
		_, broken := brokenCaptures()[name]
		if gotErr != nil && !broken {
			t.Errorf("%s: %v", name, gotErr)
			continue
		}
		var ts []tsharkFrame // run only on a disagreement
		for i := range max(len(got), len(ref.Frames)) {
			if i < len(got) && i < len(ref.Frames) && sameRecord(&got[i], &ref.Frames[i]) {
				agreed++
				continue
			}
			if i >= len(got) {
				if !broken && refErr == nil {
					t.Errorf("%s: pcapgo reads %d records, flowtap %d", name, len(ref.Frames), len(got))
				}
				break
			}
			if ts == nil {
				ts = tsharkFrames(t, tshark, f)
			}
			if i >= len(ts) || ts[i].md5 != fmt.Sprintf("%x", md5.Sum(got[i].Data)) ||
				ts[i].capLen != got[i].CapLen || ts[i].size != got[i].OrigLen {
				t.Errorf("%s record %d: flowtap and pcapgo differ, and tshark does not side with flowtap", name, i+1)
				break
			}
			decided++
		}
	}
	t.Logf("%d records agree with pcapgo; %d differ, where tshark agrees with flowtap", agreed, decided)
	if agreed == 0 {
		t.Fatal("no record compared")
	}
}

// readAllBytes reads a capture image to its end or first fault.
func readAllBytes(data []byte, name string) ([]Packet, error) {
	rd, err := NewReader(bytes.NewReader(data), name, int64(len(data)))
	if err != nil {
		return nil, err
	}
	var out []Packet
	for {
		var p Packet
		if err := rd.Next(&p); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, err
		}
		p.Data = bytes.Clone(p.Data)
		out = append(out, p)
	}
}

func sameRecord(p *Packet, f *testenv.Frame) bool {
	ci := f.Info
	return bytes.Equal(p.Data, f.Data) && int(p.CapLen) == ci.CaptureLength && int(p.OrigLen) == ci.Length &&
		p.TsNs == ci.Timestamp.UnixNano()
}
