//go:build linux

package loader

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/userspace/datapath"
)

// Default map sizes.
const (
	// DefaultFlowCapacity is T2's flow table size in directions (the
	// offline flowtable.DefaultCapacity).
	DefaultFlowCapacity = 262144
	// DefaultFragCapacity bounds the datagrams awaiting later fragments.
	DefaultFragCapacity = 4096
	// DefaultRingBytes is the ring buffer size for copied packets.
	DefaultRingBytes = 4 << 20
)

// Options configures the program before load.
type Options struct {
	// Datapath holds the per-packet knobs, the same values the Go engine
	// uses: FlowTimeoutNs, TCPWinThres, ForceMode, PDOpp, PDEq.
	Datapath datapath.Config
	// FlowCapacity is the size of the flows map in directions (0: default).
	FlowCapacity uint32
	// FragCapacity is the size of the fragment table (0: default).
	FragCapacity uint32
	// RingBytes is the ring buffer size, a power of two multiple of the
	// page size (0: default).
	RingBytes uint32
	// SnapLen is the number of bytes of a packet copied to the ring
	// (0: the whole frame up to the object's MAX_SNAP).
	SnapLen uint32
	// Replay selects BPF_PROG_RUN replay: the capture time and wire length
	// come from the XDP metadata (RunPacket), and punted packets are not
	// copied to the ring because the caller holds them.
	Replay bool
	// NonEthernet marks frames that are not Ethernet: every packet is
	// punted to the Go engine.
	NonEthernet bool
	// OnDemand allocates the entries of the flows and frags maps as they
	// are inserted (BPF_F_NO_PREALLOC) instead of all at load: a replay
	// of a small capture then neither waits for nor pins memory for the
	// whole capacity. The capacity stays exact: an insert beyond it fails.
	OnDemand bool
}

// Objects are the loaded program and maps. Close releases them.
type Objects struct {
	gen.FlowtapObjects
}

// Load loads the XDP program with opts: memlock removed, spec loaded,
// variables set, maps sized, then program and maps created. It does not
// attach the program anywhere.
func Load(opts Options) (*Objects, error) {
	if err := rlimit.RemoveMemlock(); err != nil {
		return nil, fmt.Errorf("remove memlock limit: %w", err)
	}
	spec, err := gen.LoadFlowtap()
	if err != nil {
		return nil, fmt.Errorf("load flowtap object spec: %w", err)
	}
	var specs gen.FlowtapSpecs
	if err := spec.Assign(&specs); err != nil {
		return nil, fmt.Errorf("assign flowtap object spec: %w", err)
	}
	if err := setVariables(&specs.FlowtapVariableSpecs, &opts); err != nil {
		return nil, err
	}
	specs.Flows.MaxEntries = orDefault(opts.FlowCapacity, DefaultFlowCapacity)
	specs.Frags.MaxEntries = orDefault(opts.FragCapacity, DefaultFragCapacity)
	specs.Packets.MaxEntries = orDefault(opts.RingBytes, DefaultRingBytes)
	if opts.OnDemand {
		specs.Flows.Flags |= unix.BPF_F_NO_PREALLOC
		specs.Frags.Flags |= unix.BPF_F_NO_PREALLOC
	}
	o := &Objects{}
	if err := spec.LoadAndAssign(&o.FlowtapObjects, nil); err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) && len(ve.Log) > 0 {
			// The last lines name the instruction the verifier refused.
			tail := ve.Log[max(0, len(ve.Log)-6):]
			return nil, fmt.Errorf("load xdp_flowtap: %w\n%s", err, strings.Join(tail, "\n"))
		}
		return nil, fmt.Errorf("load xdp_flowtap: %w", err)
	}
	return o, nil
}

func orDefault(v, def uint32) uint32 {
	if v == 0 {
		return def
	}
	return v
}

// setVariables writes the knobs of bpf/config.h.
func setVariables(v *gen.FlowtapVariableSpecs, opts *Options) error {
	c := &opts.Datapath
	sets := []struct {
		spec *ebpf.VariableSpec
		val  any
	}{
		{v.FlowTimeoutNs, c.FlowTimeoutNs},
		{v.TcpwinThres, c.TCPWinThres},
		{v.ForceMode, b2u8(c.ForceMode)},
		{v.PdOpp, b2u8(c.PDOpp)},
		{v.PdEq, b2u8(c.PDEq)},
		{v.SnapLen, opts.SnapLen},
		{v.UseMetaTs, b2u8(opts.Replay)},
		{v.SkipPuntCopy, b2u8(opts.Replay)},
		{v.NonEtherLink, b2u8(opts.NonEthernet)},
	}
	for _, s := range sets {
		if err := s.spec.Set(s.val); err != nil {
			return fmt.Errorf("set variable %s: %w", s.spec.Name, err)
		}
	}
	return nil
}

func b2u8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// SetTCPWinThres changes tcpWin's threshold of the loaded program; it
// applies from the next packet on, without reloading.
func (o *Objects) SetTCPWinThres(v uint32) error {
	if err := o.TcpwinThres.Set(v); err != nil {
		return fmt.Errorf("set variable tcpwin_thres: %w", err)
	}
	return nil
}

// Close releases the program and maps.
func (o *Objects) Close() error {
	if err := o.FlowtapObjects.Close(); err != nil {
		return fmt.Errorf("close flowtap objects: %w", err)
	}
	return nil
}
