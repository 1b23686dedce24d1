//go:build linux

package ring

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/loader"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// TestKernelRing runs frames through the real program (PD_EQ=0 selects
// every flow without alarm, so every frame is copied), reads the ring
// with Run started before the packets, drains it and checks that every
// frame arrives once, unchanged, with its wire length.
func TestKernelRing(t *testing.T) {
	testenv.RequirePrivileged(t)
	cfg := datapath.Config{FlowTimeoutNs: 182_000_000_000, TCPWinThres: 1}
	o, err := loader.Load(loader.Options{Datapath: cfg, Replay: true, FlowCapacity: 1024})
	if errors.Is(err, ebpf.ErrNotSupported) {
		testenv.Unavailable(t, fmt.Sprintf("kernel lacks a feature of xdp_flowtap: %v", err))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	src, err := Open(o.Packets, DefaultBatchDelay)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	sink := &recSink{}
	r := New(src, offsetClock(0), sink, quiet())
	done := make(chan error, 1)
	go func() { done <- r.Run(t.Context()) }()

	var frames [][]byte
	for i, n := range []int{0, 1, 100, 1400} {
		f := testenv.Serialize(t,
			&layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4},
			&layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{10, 0, 0, 1}, DstIP: net.IP{10, 0, 0, 2}},
			&layers.UDP{SrcPort: 1000, DstPort: layers.UDPPort(2000 + i)},
			gopacket.Payload(bytes.Repeat([]byte{byte(i)}, n)))
		res, err := o.RunCaptured(f, uint32(len(f))+100, uint64(1_000_000+i))
		if err != nil {
			t.Fatal(err)
		}
		if res.Copied != 1 {
			t.Fatalf("frame %d not copied (result %+v)", i, res)
		}
		frames = append(frames, f)
	}
	if err := src.Drain(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(sink.got) != len(frames) {
		t.Fatalf("read %d records, want %d", len(sink.got), len(frames))
	}
	for i, g := range sink.got {
		f := frames[i]
		if !bytes.Equal(g.data, f) || g.pkt.OrigLen != uint32(len(f))+100 || g.pkt.TsNs != int64(1_000_000+i) || g.flowInd == 0 || g.reason != 0 {
			t.Errorf("record %d: %d bytes orig %d ts %d flowInd %d reason %d; want the %d-byte frame, orig %d, ts %d",
				i, len(g.data), g.pkt.OrigLen, g.pkt.TsNs, g.flowInd, g.reason, len(f), len(f)+100, 1_000_000+i)
		}
	}
}
