//go:build linux

package loader_test

import (
	"reflect"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/sys/unix"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/userspace/loader"
)

// TestReplayerMatchesRunCaptured runs the same packets through two
// identically loaded programs, one per packet with RunCaptured and one
// with a Replayer: results and flows must be the same, and the Replayer
// keeps its thread on one CPU.
func TestReplayerMatchesRunCaptured(t *testing.T) {
	opts := loader.Options{Datapath: t2Defaults, Replay: true}
	a, b := load(t, opts), load(t, opts)
	frames := [][]byte{
		frame(t, eth(layers.EthernetTypeIPv4), ip4(ipA, ipB, layers.IPProtocolTCP), tcpSeg(40000, 80, "S", 1, 0, 0)),
		frame(t, ethRev(layers.EthernetTypeIPv4), ip4(ipB, ipA, layers.IPProtocolTCP), tcpSeg(80, 40000, "SA", 9, 2, 0), payload(100)),
		frame(t, eth(layers.EthernetTypeIPv4), ip4(ipA, ipB, layers.IPProtocolUDP), udp(53, 5353), payload(7)),
		frame(t, eth(layers.EthernetTypeMPLSUnicast), &layers.MPLS{Label: 16, StackBottom: true, TTL: 64},
			ip4(ipA, ipB, layers.IPProtocolUDP), udp(1, 2)),
	}
	r, err := b.NewReplayer()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		t.Fatal(err)
	}
	if set.Count() != 1 || !set.IsSet(r.CPU()) {
		t.Errorf("replay thread may run on %d cpus, want only cpu %d", set.Count(), r.CPU())
	}
	for i, f := range frames {
		ts := uint64(1_700_000_000_000_000_000 + i*1000)
		want, err := a.RunCaptured(f, uint32(len(f)+4), ts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Run(f, uint32(len(f)+4), ts)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("frame %d: Replayer result %+v, RunCaptured %+v", i, got, want)
		}
	}
	fa, err := a.ReadFlows()
	if err != nil {
		t.Fatal(err)
	}
	fb, err := b.ReadFlows()
	if err != nil {
		t.Fatal(err)
	}
	if len(fa) != 3 || !reflect.DeepEqual(fa, fb) {
		t.Errorf("%d flows by RunCaptured, %d by the Replayer (want the same 3)", len(fa), len(fb))
	}
}

// TestFlowIndLast checks the flowInd counter accessors: the program reads
// the value userspace sets when it starts the next conversation.
func TestFlowIndLast(t *testing.T) {
	pinThread(t, 0)
	o := load(t, loader.Options{Datapath: t2Defaults, Replay: true})
	f1 := frame(t, eth(layers.EthernetTypeIPv4), ip4(ipA, ipB, layers.IPProtocolUDP), udp(1000, 2000))
	f2 := frame(t, eth(layers.EthernetTypeIPv4), ip4(ipA, ipB, layers.IPProtocolUDP), udp(1001, 2000))
	r1, err := o.RunPacket(f1, 1)
	if err != nil {
		t.Fatal(err)
	}
	last, err := o.FlowIndLast()
	if err != nil {
		t.Fatal(err)
	}
	if r1.FlowInd != 1 || last != 1 {
		t.Fatalf("first flow has flowInd %d, counter %d; want 1 and 1", r1.FlowInd, last)
	}
	if err := o.SetFlowIndLast(41); err != nil {
		t.Fatal(err)
	}
	r2, err := o.RunPacket(f2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if last, _ = o.FlowIndLast(); r2.FlowInd != 42 || last != 42 {
		t.Errorf("after setting 41: flowInd %d, counter %d; want 42 and 42", r2.FlowInd, last)
	}
}

// TestCapacityExact fills a 4-direction flows map, preallocated or
// allocated on demand: the fifth new flow is refused (PUNT_FLOW_FULL), and
// after a deletion the next one fits again. The bpf engine relies on the
// map refusing exactly when T2's table would evict.
func TestCapacityExact(t *testing.T) {
	for _, onDemand := range []bool{false, true} {
		t.Run(map[bool]string{false: "prealloc", true: "on-demand"}[onDemand], func(t *testing.T) {
			pinThread(t, 0)
			o := load(t, loader.Options{Datapath: t2Defaults, Replay: true, FlowCapacity: 4, OnDemand: onDemand})
			run := func(port uint16) loader.Result {
				t.Helper()
				f := frame(t, eth(layers.EthernetTypeIPv4), ip4(ipA, ipB, layers.IPProtocolUDP), udp(port, 53))
				r, err := o.RunPacket(f, uint64(port))
				if err != nil {
					t.Fatal(err)
				}
				return r
			}
			for p := uint16(1); p <= 4; p++ {
				if r := run(p); r.Created != 1 {
					t.Fatalf("flow %d of 4: created %d, punt %d", p, r.Created, r.Punt)
				}
			}
			r := run(5)
			if r.Punt != uint32(gen.FlowtapPuntReasonPUNT_FLOW_FULL) || r.Created != 0 {
				t.Fatalf("fifth flow: punt %d created %d, want PUNT_FLOW_FULL", r.Punt, r.Created)
			}
			flows, err := o.ReadFlows()
			if err != nil {
				t.Fatal(err)
			}
			for k := range flows {
				if err := o.Flows.Delete(&k); err != nil {
					t.Fatal(err)
				}
				break
			}
			if r := run(6); r.Created != 1 {
				t.Errorf("after a deletion: created %d, punt %d; want a new flow", r.Created, r.Punt)
			}
			if r := run(7); r.Punt != uint32(gen.FlowtapPuntReasonPUNT_FLOW_FULL) {
				t.Errorf("full again: punt %d, want PUNT_FLOW_FULL", r.Punt)
			}
		})
	}
}
