//go:build linux

package loader

import (
	"fmt"
	"runtime"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/flowtap/flowtap/gen"
)

// XDPPass is the XDP_PASS action, the only verdict the program returns.
const XDPPass = 2

// metaLen is the size of struct run_meta (bpf/types.h), the XDP metadata
// that carries a replayed packet's capture time, wire and captured length.
const metaLen = 16

// Result is what one packet did in the kernel: the program's verdict and
// its per-packet result (bpf/types.h struct pkt_result).
type Result struct {
	Verdict uint32
	gen.FlowtapPktResult
}

// xdpMD is struct xdp_md, the context BPF_PROG_RUN takes for XDP: data
// and data_end are offsets into the input, which starts with the metadata.
type xdpMD struct {
	Data, DataEnd, DataMeta                     uint32
	IngressIfindex, RxQueueIndex, EgressIfindex uint32
}

// RunPacket runs the program once on an Ethernet frame captured whole at
// tsNs (ns since the Unix epoch) and returns what it did. The program must
// be loaded with Options.Replay.
func (o *Objects) RunPacket(frame []byte, tsNs uint64) (Result, error) {
	return o.RunCaptured(frame, uint32(len(frame)), tsNs)
}

// RunCaptured is RunPacket for a frame cut to a snap length: origLen is
// its length on the wire, as the capture file records it. A frame longer
// than the page BPF_PROG_RUN gives an XDP program comes back punted with
// PUNT_BIG (kernels >= 5.18) or as an EINVAL error (older kernels).
//
// The per-packet result lives in a per-CPU map, so the call pins its
// thread to one CPU while it runs and reads the result back. A caller
// that has pinned its locked thread to a single CPU (for example to drive
// one flow from several CPUs at once) keeps that CPU.
func (o *Objects) RunCaptured(frame []byte, origLen uint32, tsNs uint64) (Result, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu, restore, err := pinThread()
	if err != nil {
		return Result{}, err
	}
	defer restore()

	in := appendRunInput(make([]byte, 0, metaLen+len(frame)), frame, origLen, tsNs)
	ctx := xdpMD{Data: metaLen, DataEnd: uint32(len(in))}
	var r Result
	r.Verdict, err = o.XdpFlowtap.Run(&ebpf.RunOptions{Data: in, Context: ctx})
	if err != nil {
		return Result{}, fmt.Errorf("run xdp_flowtap on a %d-byte frame: %w", len(frame), err)
	}
	var per []gen.FlowtapPktResult
	if err := o.Results.Lookup(uint32(0), &per); err != nil {
		return Result{}, fmt.Errorf("read map results: %w", err)
	}
	if cpu >= len(per) {
		return Result{}, fmt.Errorf("read map results: cpu %d of %d", cpu, len(per))
	}
	r.FlowtapPktResult = per[cpu]
	return r, nil
}

// pinThread makes sure the locked calling thread runs on exactly one CPU
// and returns it, with a function that restores the previous affinity.
func pinThread() (int, func(), error) {
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return 0, nil, fmt.Errorf("get thread cpu affinity: %w", err)
	}
	cpu := -1
	for i := 0; i < len(old)*64; i++ {
		if old.IsSet(i) {
			cpu = i
			break
		}
	}
	if cpu < 0 {
		return 0, nil, fmt.Errorf("get thread cpu affinity: empty set")
	}
	if old.Count() == 1 {
		return cpu, func() {}, nil
	}
	var one unix.CPUSet
	one.Set(cpu)
	if err := unix.SchedSetaffinity(0, &one); err != nil {
		return 0, nil, fmt.Errorf("pin thread to cpu %d: %w", cpu, err)
	}
	// Restoring can only fail if the thread vanished; the thread is
	// locked to this goroutine until the deferred unlock.
	return cpu, func() { _ = unix.SchedSetaffinity(0, &old) }, nil
}

// ReadCounters returns the program's counters summed over CPUs, indexed by
// gen.FlowtapCounterId.
func (o *Objects) ReadCounters() ([]uint64, error) {
	out := make([]uint64, gen.FlowtapCounterIdCNT_MAX)
	var per []uint64
	for id := range out {
		if err := o.Counters.Lookup(uint32(id), &per); err != nil {
			return nil, fmt.Errorf("read map counters: %w", err)
		}
		for _, v := range per {
			out[id] += v
		}
	}
	return out, nil
}

// ReadFlows returns every flow direction in the flows map.
func (o *Objects) ReadFlows() (map[gen.FlowtapFlowKey]gen.FlowtapFlowState, error) {
	out := make(map[gen.FlowtapFlowKey]gen.FlowtapFlowState)
	var k gen.FlowtapFlowKey
	var v gen.FlowtapFlowState
	it := o.Flows.Iterate()
	for it.Next(&k, &v) {
		out[k] = v
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("iterate map flows: %w", err)
	}
	return out, nil
}
