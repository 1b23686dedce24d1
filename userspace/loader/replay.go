//go:build linux

package loader

import (
	"encoding/binary"
	"fmt"
	"runtime"

	"github.com/cilium/ebpf"

	"github.com/flowtap/flowtap/gen"
)

// Replayer runs a stream of captured packets through the program for
// offline replay (--engine bpf). It pins its thread to one CPU once, where
// RunCaptured pins per call, and reuses its buffers: the per-packet cost
// is one BPF_PROG_RUN and one read of the result.
type Replayer struct {
	o       *Objects
	cpu     int
	restore func()
	in      []byte
	per     []gen.FlowtapPktResult
}

// NewReplayer locks the calling goroutine to its thread and pins the
// thread to the CPU it runs on, until Close. Run and Close must be called
// from the same goroutine.
func (o *Objects) NewReplayer() (*Replayer, error) {
	runtime.LockOSThread()
	cpu, restore, err := pinThread()
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	n, err := ebpf.PossibleCPU()
	if err != nil {
		restore()
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("count possible cpus: %w", err)
	}
	return &Replayer{o: o, cpu: cpu, restore: restore, in: make([]byte, 0, 4096), per: make([]gen.FlowtapPktResult, n)}, nil
}

// CPU returns the CPU the replay runs on.
func (r *Replayer) CPU() int { return r.cpu }

// Run is RunCaptured on the pinned CPU: frame was captured at tsNs (ns
// since the Unix epoch) and was origLen bytes long on the wire.
func (r *Replayer) Run(frame []byte, origLen uint32, tsNs uint64) (Result, error) {
	r.in = appendRunInput(r.in[:0], frame, origLen, tsNs)
	ctx := xdpMD{Data: metaLen, DataEnd: uint32(len(r.in))}
	var res Result
	var err error
	res.Verdict, err = r.o.XdpFlowtap.Run(&ebpf.RunOptions{Data: r.in, Context: ctx})
	if err != nil {
		return Result{}, fmt.Errorf("run xdp_flowtap on a %d-byte frame: %w", len(frame), err)
	}
	if err := r.o.Results.Lookup(uint32(0), &r.per); err != nil {
		return Result{}, fmt.Errorf("read map results: %w", err)
	}
	if r.cpu >= len(r.per) {
		return Result{}, fmt.Errorf("read map results: cpu %d of %d", r.cpu, len(r.per))
	}
	res.FlowtapPktResult = r.per[r.cpu]
	return res, nil
}

// Close restores the thread's CPU affinity and unlocks it.
func (r *Replayer) Close() {
	if r.restore == nil {
		return
	}
	r.restore()
	r.restore = nil
	runtime.UnlockOSThread()
}

// appendRunInput appends the BPF_PROG_RUN input of a replayed packet to
// b: struct run_meta (bpf/types.h), then the frame.
func appendRunInput(b, frame []byte, origLen uint32, tsNs uint64) []byte {
	b = binary.LittleEndian.AppendUint64(b, tsNs)
	b = binary.LittleEndian.AppendUint32(b, origLen)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(frame)))
	return append(b, frame...)
}

// FlowIndLast returns the last flowInd the program handed out (the .bss
// variable flow_ind_last), read through the mapped data section.
func (o *Objects) FlowIndLast() (uint64, error) {
	var v uint64
	if err := o.FlowtapVariables.FlowIndLast.Get(&v); err != nil {
		return 0, fmt.Errorf("read variable flow_ind_last: %w", err)
	}
	return v, nil
}

// SetFlowIndLast sets flow_ind_last. The program increments it with an
// atomic add; a read-modify-write from userspace is only safe while no
// packet runs, as in offline replay, where userspace creates the flows of
// punted packets between two runs.
func (o *Objects) SetFlowIndLast(v uint64) error {
	if err := o.FlowtapVariables.FlowIndLast.Set(v); err != nil {
		return fmt.Errorf("set variable flow_ind_last: %w", err)
	}
	return nil
}
