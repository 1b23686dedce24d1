//go:build linux

package loader_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/cilium/ebpf/ringbuf"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/sys/unix"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/loader"
)

// record is one ring buffer record: header and bytes.
type record struct {
	hdr  gen.FlowtapPktRecord
	data []byte
}

// readRecords drains the ring of o without blocking.
func readRecords(t *testing.T, o *loader.Objects) []record {
	t.Helper()
	rd, err := ringbuf.NewReader(o.Packets)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	rd.SetDeadline(time.Now())
	var out []record
	for {
		rec, err := rd.Read()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		var r record
		if err := binary.Read(bytes.NewReader(rec.RawSample), binary.LittleEndian, &r.hdr); err != nil {
			t.Fatalf("record header: %v", err)
		}
		r.data = rec.RawSample[binary.Size(r.hdr):]
		out = append(out, r)
	}
}

// TestRingCopy checks pcapd's copies: header fields, the exact bytes of
// every frame length (word-sized or not) and the snap length.
func TestRingCopy(t *testing.T) {
	sizes := []int{0, 1, 7, 8, 9, 46, 100, 1000, 1460}
	for _, snap := range []uint32{0, 100, 7} {
		t.Run(fmt.Sprintf("snap-%d", snap), func(t *testing.T) {
			pinThread(t, 0)
			// PD_EQ=0 selects every flow without alarm: every packet here.
			cfg := datapath.Config{FlowTimeoutNs: 1, TCPWinThres: 1}
			o := load(t, loader.Options{Datapath: cfg, Replay: true, SnapLen: snap})
			var frames [][]byte
			var results []loader.Result
			for i, n := range sizes {
				f := frame(t, eth(layers.EthernetTypeIPv4), ip4(ipA, ipB, layers.IPProtocolUDP), udp(1000, uint16(2000+i)), payload(n))
				r, err := o.RunCaptured(f, uint32(len(f)+5), uint64(1000+i))
				if err != nil {
					t.Fatal(err)
				}
				if r.Dump != 1 || r.Copied != 1 {
					t.Fatalf("frame %d: dump %d copied %d, want both", i, r.Dump, r.Copied)
				}
				frames, results = append(frames, f), append(results, r)
			}
			recs := readRecords(t, o)
			if len(recs) != len(frames) {
				t.Fatalf("%d records, want %d", len(recs), len(frames))
			}
			for i, r := range recs {
				want := frames[i]
				if snap != 0 && int(snap) < len(want) {
					want = want[:snap]
				}
				h := r.hdr
				if h.TsNs != uint64(1000+i) || h.OrigLen != uint32(len(frames[i])+5) || h.Reason != 0 || h.FlowInd != results[i].FlowInd {
					t.Errorf("record %d: header %+v, want ts %d orig %d flowInd %d reason 0", i, h, 1000+i, len(frames[i])+5, results[i].FlowInd)
				}
				if h.CapLen != uint32(len(want)) || !bytes.Equal(r.data[:min(len(r.data), len(want))], want) || len(r.data) < len(want) {
					t.Errorf("record %d: cap_len %d, bytes differ from the %d-byte frame", i, h.CapLen, len(want))
				}
			}
		})
	}
}

// TestPuntCopy checks that a live program (no replay) copies punted
// packets with their reason and stamps records with the monotonic clock.
func TestPuntCopy(t *testing.T) {
	pinThread(t, 0)
	o := load(t, loader.Options{Datapath: t2Defaults})
	f := frame(t, eth(layers.EthernetTypeMPLSUnicast), &layers.MPLS{Label: 16, StackBottom: true, TTL: 64},
		ip4(ipA, ipB, layers.IPProtocolUDP), udp(1, 2))
	var before, after unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &before)
	r, err := o.RunPacket(f, 12345)
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &after)
	if err != nil {
		t.Fatal(err)
	}
	if gen.FlowtapPuntReason(r.Punt) != gen.FlowtapPuntReasonPUNT_MPLS || r.Copied != 1 {
		t.Fatalf("punt %d copied %d, want PUNT_MPLS and a copy", r.Punt, r.Copied)
	}
	recs := readRecords(t, o)
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	h := recs[0].hdr
	if h.Reason != uint32(gen.FlowtapPuntReasonPUNT_MPLS) || h.FlowInd != 0 || !bytes.Equal(recs[0].data[:h.CapLen], f) {
		t.Errorf("record %+v, want the MPLS frame with its reason", h)
	}
	if h.TsNs < uint64(before.Nano()) || h.TsNs > uint64(after.Nano()) {
		t.Errorf("record time %d outside the monotonic clock's [%d, %d]: live mode ignores metadata", h.TsNs, before.Nano(), after.Nano())
	}
}

// TestRingFullAccounting fills a one-page ring without a reader: every
// selected packet is either copied or counted as dropped, never lost.
func TestRingFullAccounting(t *testing.T) {
	pinThread(t, 0)
	o := load(t, loader.Options{Datapath: datapath.Config{FlowTimeoutNs: 1}, Replay: true, RingBytes: uint32(os.Getpagesize())})
	f := frame(t, eth(layers.EthernetTypeIPv4), ip4(ipA, ipB, layers.IPProtocolUDP), udp(1, 2), payload(200))
	copied := 0
	for i := 0; i < 100; i++ {
		r, err := o.RunPacket(f, uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		copied += int(r.Copied)
	}
	c, err := o.ReadCounters()
	if err != nil {
		t.Fatal(err)
	}
	sel, cop, drop := c[gen.FlowtapCounterIdCNT_DUMP_SELECTED], c[gen.FlowtapCounterIdCNT_DUMP_COPIED], c[gen.FlowtapCounterIdCNT_ERR_RB_RESERVE]
	if sel != 100 || cop+drop != sel || drop == 0 || cop != uint64(copied) {
		t.Errorf("selected %d copied %d dropped %d (results say %d copied), want 100 = copied + dropped with drops", sel, cop, drop, copied)
	}
	if recs := readRecords(t, o); len(recs) != int(cop) {
		t.Errorf("%d records in the ring, want %d", len(recs), cop)
	}
	if got, want := c[gen.FlowtapCounterIdCNT_DUMP_BYTES], cop*uint64(len(f)); got != want {
		t.Errorf("CNT_DUMP_BYTES %d, want %d", got, want)
	}
}

// TestTCPWinThresRuntime changes the threshold between two packets of one
// flow, without reloading.
func TestTCPWinThresRuntime(t *testing.T) {
	p := newEdgePair(t)
	f := frame(t, eth(layers.EthernetTypeIPv4), ip4(ipA, ipB, layers.IPProtocolTCP), tcpSeg(40000, 80, "A", 1, 1, 50))
	k1, _ := p.packet(f, uint32(len(f)), 1)
	if err := p.o.SetTCPWinThres(100); err != nil {
		t.Fatal(err)
	}
	p.ref.cfg.TCPWinThres = 100
	k2, _ := p.packet(f, uint32(len(f)), 2)
	if k1.LowWin != 0 || k2.LowWin != 1 {
		t.Errorf("low_win %d then %d, want 0 (window 50 >= 1) then 1 (50 < 100)", k1.LowWin, k2.LowWin)
	}
}
