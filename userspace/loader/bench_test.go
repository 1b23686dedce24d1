//go:build linux

package loader_test

import (
	"errors"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/loader"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// benchFrame is a 254-byte frame (the capgen benchmark's size).
func benchFrame(b *testing.B, proto layers.IPProtocol, win uint16) []byte {
	if proto == layers.IPProtocolUDP {
		return frame(b, eth(layers.EthernetTypeIPv4), ip4(ipA, ipB, proto), udp(5000, 53), payload(254-42))
	}
	return frame(b, eth(layers.EthernetTypeIPv4), ip4(ipA, ipB, proto), tcpSeg(40000, 80, "PA", 1, 1, win), payload(254-54))
}

// benchRun times prog on f with BPF_PROG_RUN's own repeat loop and
// reports the kernel's nanoseconds per packet.
func benchRun(b *testing.B, prog *ebpf.Program, f []byte) {
	if _, err := prog.Run(&ebpf.RunOptions{Data: f}); err != nil { // create the flow first
		b.Fatal(err)
	}
	b.ResetTimer()
	ret, per, err := prog.Benchmark(f, b.N, nil)
	if err != nil {
		b.Fatal(err)
	}
	if ret != loader.XDPPass {
		b.Fatalf("verdict %d, want XDP_PASS", ret)
	}
	b.ReportMetric(float64(per.Nanoseconds()), "ns/pkt")
}

// BenchmarkProgRun measures nanoseconds per packet of xdp_flowtap in live
// mode (kernel clock) on an existing flow for four packet classes, beside
// a minimal XDP_PASS program in the same run (tier 6).
func BenchmarkProgRun(b *testing.B) {
	testenv.RequirePrivileged(b)
	b.Run("minimal-xdp-pass", func(b *testing.B) {
		prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
			Type: ebpf.XDP, License: "GPL",
			Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, loader.XDPPass), asm.Return()},
		})
		if err != nil {
			b.Fatal(err)
		}
		defer prog.Close()
		benchRun(b, prog, benchFrame(b, layers.IPProtocolUDP, 0))
	})
	alarmOff := datapath.Config{FlowTimeoutNs: 182e9, TCPWinThres: 1, PDEq: false}
	classes := []struct {
		name string
		cfg  datapath.Config
		f    []byte
	}{
		{"non-tcp", t2Defaults, benchFrame(b, layers.IPProtocolUDP, 0)},
		{"tcp", t2Defaults, benchFrame(b, layers.IPProtocolTCP, 5000)},
		// PD_EQ=0 extracts flows without FL_ALARM, so this alarm flow is counted but not copied.
		{"tcp-below-threshold", alarmOff, benchFrame(b, layers.IPProtocolTCP, 0)},
		{"alarm-flow-copy", t2Defaults, benchFrame(b, layers.IPProtocolTCP, 0)},
	}
	for _, c := range classes {
		b.Run(c.name, func(b *testing.B) {
			o := load(b, loader.Options{Datapath: c.cfg, FlowCapacity: 1024, RingBytes: 16 << 20})
			rd, err := ringbuf.NewReader(o.Packets)
			if err != nil {
				b.Fatal(err)
			}
			done := make(chan int)
			go func() { // drain the ring so that copies succeed
				n := 0
				for {
					if _, err := rd.Read(); errors.Is(err, ringbuf.ErrClosed) {
						done <- n
						return
					}
					n++
				}
			}()
			benchRun(b, o.XdpFlowtap, c.f)
			b.StopTimer()
			rd.Close()
			<-done
			cnt, err := o.ReadCounters()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(cnt[gen.FlowtapCounterIdCNT_ERR_RB_RESERVE])/float64(b.N+1), "drops/pkt")
		})
	}
}
