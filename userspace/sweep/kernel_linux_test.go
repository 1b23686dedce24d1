//go:build linux

package sweep

import (
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/flowtable"
	"github.com/flowtap/flowtap/userspace/loader"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// TestKernelMaps sweeps the real program's maps after BPF_PROG_RUN
// replay (kernel times are then capture times): a reset connection ends
// 0.1 s after its RST, a connection still open stays, a pending
// fragment's table entry goes with its flow, and the flush takes
// everything, each state exactly as the map held it.
func TestKernelMaps(t *testing.T) {
	testenv.RequirePrivileged(t)
	cfg := datapath.Config{FlowTimeoutNs: 182 * sec, TCPWinThres: 1, PDEq: true}
	o, err := loader.Load(loader.Options{Datapath: cfg, Replay: true, FlowCapacity: 1 << 12})
	if errors.Is(err, ebpf.ErrNotSupported) {
		testenv.Unavailable(t, fmt.Sprintf("kernel lacks a feature of xdp_flowtap: %v", err))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	cli, srv := net.IP{10, 0, 0, 1}, net.IP{10, 0, 0, 2}
	tcp := func(src, dst net.IP, sp, dp uint16, flags string, frag bool) []byte {
		l := &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Window: 100}
		for _, f := range flags {
			switch f {
			case 'S':
				l.SYN = true
			case 'A':
				l.ACK = true
			case 'R':
				l.RST = true
			}
		}
		ip := &layers.IPv4{Version: 4, TTL: 64, Id: 0x4242, Protocol: layers.IPProtocolTCP, SrcIP: src, DstIP: dst}
		if frag {
			ip.Flags = layers.IPv4MoreFragments
		}
		return testenv.Serialize(t, &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4},
			ip, l, gopacket.Payload("0123456789"))
	}
	at := uint64(1000 * sec)
	for i, f := range [][]byte{
		tcp(cli, srv, 5000, 80, "S", false), tcp(srv, cli, 80, 5000, "SA", false), tcp(cli, srv, 5000, 80, "A", false),
		tcp(srv, cli, 80, 5000, "RA", false),                                        // reset: 0.1 s timeouts
		tcp(cli, srv, 6000, 443, "S", false), tcp(srv, cli, 443, 6000, "SA", false), // stays open
		tcp(cli, srv, 7000, 22, "S", true), // first fragment of a datagram whose rest never comes
	} {
		if _, err := o.RunPacket(f, at+uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	before, err := o.ReadFlows()
	if err != nil || len(before) != 5 {
		t.Fatalf("map holds %d flows (%v), want 5", len(before), err)
	}
	var frags int
	var fk, fv flowtable.Key
	for it := o.Frags.Iterate(); it.Next(&fk, &fv); {
		frags++
	}
	if frags != 1 {
		t.Fatalf("fragment table holds %d entries, want 1", frags)
	}
	src := NewKernel(o.Flows, o.Frags)
	c := &collector{}
	s := New(src, &fixedClock{now: at + sec/5}, c.emit, quiet())
	if n, err := s.Sweep(); err != nil || n != 1 {
		t.Fatalf("Sweep 0.2 s after the RST = %d, %v; want the reset pair only", n, err)
	}
	if p := c.got[0]; p.a.Key.SrcPort != 5000 || !p.hasB || p.b.Key.SrcPort != 80 || p.a.State != before[p.a.Key] || p.b.State != before[p.b.Key] {
		t.Errorf("reset pair written as A %d B %d (hasB %v), or with states not those of the map", p.a.Key.SrcPort, p.b.Key.SrcPort, p.hasB)
	}
	if n, err := s.Flush(); err != nil || n != 2 {
		t.Fatalf("Flush = %d, %v; want the open pair and the fragment's singleton", n, err)
	}
	left, err := o.ReadFlows()
	if err != nil || len(left) != 0 {
		t.Errorf("map holds %d flows after the flush (%v), want none", len(left), err)
	}
	frags = 0
	for it := o.Frags.Iterate(); it.Next(&fk, &fv); {
		frags++
	}
	if frags != 0 {
		t.Errorf("fragment table holds %d entries after the flush, want none", frags)
	}
	if st := s.Stats(); st.AFlows != 3 || st.BFlows != 2 || st.FragPendingExpired != 1 || st.TCPPackets != 7 {
		t.Errorf("stats %+v: want 3 A flows, 2 B flows, 1 pending fragment, 7 TCP packets", st)
	}
}
