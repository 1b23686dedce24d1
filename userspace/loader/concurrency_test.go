//go:build linux

package loader_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/sys/unix"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/loader"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// Exact and best-effort fields when one flow's packets run on several CPUs
// at once (bpf/datapath.h): the counters below use atomic adds, status an
// atomic or; the running variances, min/max, max IAT, hdr_desc, MAC lists,
// DUPIPID and the TCP state machine are last-writer-wins.

// driver sends its share of packets from one CPU.
type driver struct {
	cpu    int
	fromB  bool
	frames [][]byte
	low    int // frames with a window below the threshold
	bytes  uint64
	l7     uint64
	pad    uint64
}

// runOn pins the calling goroutine's thread to cpu and runs d's frames,
// after start closes. The thread exits with the goroutine.
func (d *driver) runOn(o *loader.Objects, start <-chan struct{}, ts0 uint64) error {
	runtime.LockOSThread()
	var set unix.CPUSet
	set.Set(d.cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("pin thread to cpu %d: %w", d.cpu, err)
	}
	<-start
	for i, f := range d.frames {
		if _, err := o.RunPacket(f, ts0+uint64(i)*1000); err != nil {
			return err
		}
	}
	return nil
}

// newDriver builds n TCP frames of one direction: window 0 every third
// frame, payload sizes varying, every fifth frame short enough to be padded.
func newDriver(t *testing.T, cpu, n int, fromB bool) *driver {
	d := &driver{cpu: cpu, fromB: fromB}
	for i := 0; i < n; i++ {
		win := uint16(5000)
		if i%3 == 0 {
			win = 0
			d.low++
		}
		size := 100 + (i*7+cpu*13)%400
		if i%5 == 0 {
			size = 2
		}
		var f []byte
		if fromB {
			f = frame(t, ethRev(layers.EthernetTypeIPv4), ip4(ipB, ipA, layers.IPProtocolTCP), tcpSeg(80, 40000, "A", uint32(i), 1, win), payload(size))
		} else {
			f = frame(t, eth(layers.EthernetTypeIPv4), ip4(ipA, ipB, layers.IPProtocolTCP), tcpSeg(40000, 80, "A", uint32(i), 1, win), payload(size))
		}
		d.frames = append(d.frames, f)
		d.bytes += uint64(len(f))
		d.l7 += uint64(size)
		d.pad += uint64(len(f) - 14 - 20 - 20 - size)
	}
	return d
}

// TestConcurrentFlow drives one flow from two CPUs at once through
// BPF_PROG_RUN (threads pinned with sched_setaffinity: XDP test runs
// reject BPF_F_TEST_RUN_ON_CPU), then both directions of one connection
// from two CPUs, and checks that every atomically updated counter is exact.
func TestConcurrentFlow(t *testing.T) {
	var avail unix.CPUSet
	if err := unix.SchedGetaffinity(0, &avail); err != nil {
		t.Fatal(err)
	}
	if !avail.IsSet(0) || !avail.IsSet(1) {
		testenv.Unavailable(t, "needs CPUs 0 and 1")
	}
	const n = 20000
	for _, mode := range []string{"same-direction", "both-directions"} {
		t.Run(mode, func(t *testing.T) {
			o := load(t, loader.Options{Datapath: datapath.Config{FlowTimeoutNs: 1e12, TCPWinThres: 1, PDEq: true}, Replay: true})
			d0, d1 := newDriver(t, 0, n, false), newDriver(t, 1, n, mode == "both-directions")
			start := make(chan struct{})
			errs := make(chan error, 2)
			var wg sync.WaitGroup
			for i, d := range []*driver{d0, d1} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- d.runOn(o, start, uint64(i+1)*1e12)
				}()
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			flows, err := o.ReadFlows()
			if err != nil {
				t.Fatal(err)
			}
			sets := [][]*driver{{d0, d1}}
			if mode == "both-directions" {
				sets = [][]*driver{{d0}, {d1}}
			}
			if len(flows) != len(sets) {
				t.Fatalf("%d flow directions, want %d", len(flows), len(sets))
			}
			for _, ds := range sets {
				checkExact(t, flows, ds)
			}
			c, err := o.ReadCounters()
			if err != nil {
				t.Fatal(err)
			}
			if c[gen.FlowtapCounterIdCNT_PACKETS] != 2*n || c[gen.FlowtapCounterIdCNT_FLOWS_CREATED] != uint64(len(sets)) {
				t.Errorf("counters: %d packets, %d flows created, want %d and %d", c[gen.FlowtapCounterIdCNT_PACKETS], c[gen.FlowtapCounterIdCNT_FLOWS_CREATED], 2*n, len(sets))
			}
			t.Logf("insert races lost: %d", c[gen.FlowtapCounterIdCNT_FLOW_RACE])
		})
	}
}

// checkExact finds the flow the drivers ds sent and checks its exact fields.
func checkExact(t *testing.T, flows map[gen.FlowtapFlowKey]gen.FlowtapFlowState, ds []*driver) {
	t.Helper()
	var pkts, low, bytes, l7, pad uint64
	for _, d := range ds {
		pkts += uint64(len(d.frames))
		low += uint64(d.low)
		bytes += d.bytes
		l7 += d.l7
		pad += d.pad
	}
	sport := uint16(40000)
	if ds[0].fromB {
		sport = 80
	}
	for k, st := range flows {
		if k.SrcPort != sport {
			continue
		}
		got := fmt.Sprintf("pkts %d tcp_pkts %d win_th_cnt %d cap_bytes %d l7_bytes %d pad_bytes %d alarm %v",
			st.Pkts, st.TcpPkts, st.WinThCnt, st.CapBytes, st.L7Bytes, st.PadBytes, st.Status&datapath.StatAlarm != 0)
		want := fmt.Sprintf("pkts %d tcp_pkts %d win_th_cnt %d cap_bytes %d l7_bytes %d pad_bytes %d alarm true",
			pkts, pkts, low, bytes, l7, pad)
		if got != want {
			t.Errorf("flow %d:%d\n got %s\nwant %s", k.SrcPort, k.DstPort, got, want)
		}
		return
	}
	t.Errorf("no flow for the drivers on cpu %d", ds[0].cpu)
}
