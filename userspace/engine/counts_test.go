package engine

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// TestRunCountsLikePacket checks that Run, which counts the per-packet
// report figures on its reading goroutine, ends with the same figures and
// flow lines as feeding the same records one by one through Packet, which
// counts them on the flow goroutine, on every shared capture.
func TestRunCountsLikePacket(t *testing.T) {
	compared := 0
	for _, f := range testenv.SharedPcaps(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			byRun := newRig(t, false)
			rd, err := capture.Open(f)
			if err != nil {
				return // a capture whose header is damaged: the reader's tests cover it
			}
			defer rd.Close()
			_ = byRun.eng.Run(context.Background(), rd) // a damaged file ends early in both

			byPacket := newRig(t, false)
			rd2, err := capture.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer rd2.Close()
			var p capture.Packet
			// Next ends with io.EOF or the fault that also ended Run.
			for rd2.Next(&p) == nil {
				byPacket.eng.Packet(&p)
			}
			a, b := byRun.finish(), byPacket.finish()
			sa, sb := byRun.eng.Stats(), byPacket.eng.Stats()
			if sa.Packets != sb.Packets {
				t.Fatalf("packets: Run %d, Packet %d", sa.Packets, sb.Packets)
			}
			if !reflect.DeepEqual(sa.PacketCounts, sb.PacketCounts) {
				t.Fatalf("per-packet counts differ:\nRun    %+v\nPacket %+v", sa.PacketCounts, sb.PacketCounts)
			}
			if !reflect.DeepEqual(sa.Anomalies, sb.Anomalies) {
				t.Fatalf("anomalies differ:\nRun    %+v\nPacket %+v", sa.Anomalies, sb.Anomalies)
			}
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("flow lines differ: Run %d lines, Packet %d", len(a), len(b))
			}
			compared++
		})
	}
	if compared == 0 && len(testenv.SharedPcaps(t)) > 0 {
		t.Fatal("no capture compared")
	}
}
