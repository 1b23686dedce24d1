//go:build linux

package loader_test

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/loader"
)

// maxReport bounds the mismatches reported per run.
const maxReport = 10

// pair drives the kernel program and the Go reference with the same
// packets and compares, after every packet, the per-packet results and
// the updated flow state, and at the end every flow.
type pair struct {
	t   testing.TB
	o   *loader.Objects
	ref *reference
	m   datapath.Meta // parse of punted packets
	n   int           // packets offered

	run, skippedShort, skippedBig int
	dumps                         int // packets Go's pcapd selected
	punts                         map[gen.FlowtapPuntReason]int
	mismatches                    int
}

func newPair(t testing.TB, o *loader.Objects, cfg datapath.Config) *pair {
	return &pair{t: t, o: o, ref: newReference(cfg), punts: map[gen.FlowtapPuntReason]int{}}
}

// pinThread locks the calling goroutine to its thread and the thread to
// one CPU, so that RunPacket need not pin it per packet. The goroutine
// must end without unlocking (a test function does): its thread then
// exits, and the changed affinity with it.
func pinThread(t testing.TB, cpu int) {
	t.Helper()
	runtime.LockOSThread()
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		t.Fatalf("pin thread to cpu %d: %v", cpu, err)
	}
}

// report records a mismatch, printing only the first maxReport.
func (p *pair) report(format string, args ...any) {
	p.t.Helper()
	p.mismatches++
	if p.mismatches <= maxReport {
		p.t.Errorf(format, args...)
	}
}

// packet runs one frame through both sides. It returns the kernel result
// and whether the packet ran (frames BPF_PROG_RUN cannot take are skipped
// on both sides, punted packets on the Go side, as the kernel ignores them).
func (p *pair) packet(frame []byte, origLen uint32, ts uint64) (loader.Result, bool) {
	p.t.Helper()
	p.n++
	if len(frame) < 14 {
		// BPF_PROG_RUN refuses XDP input shorter than an Ethernet header;
		// Go gives such a frame no flow either.
		p.skippedShort++
		return loader.Result{}, false
	}
	k, err := p.o.RunCaptured(frame, origLen, ts)
	if errors.Is(err, syscall.EINVAL) && len(frame) > 3000 {
		// Larger than BPF_PROG_RUN's one page for a non-frags XDP program.
		p.skippedBig++
		return loader.Result{}, false
	}
	if err != nil {
		p.t.Fatalf("packet %d: %v", p.n, err)
	}
	p.run++
	if k.Punt == uint32(gen.FlowtapPuntReasonPUNT_BIG) && len(frame) > 3000 {
		p.punts[gen.FlowtapPuntReasonPUNT_BIG]++
		p.skippedBig++
		return k, true
	}
	if k.Punt != 0 {
		reason := gen.FlowtapPuntReason(k.Punt)
		p.punts[reason]++
		datapath.Parse(&p.m, frame, origLen, datapath.LinkEthernet)
		if want := expectedPunt(&p.m); want != reason {
			p.report("packet %d (%s): kernel punted with %v, Go's parse calls for %v", p.n, hdrDesc(&p.m), reason, want)
		}
		return k, true
	}
	ref := p.ref.packet(frame, origLen, ts)
	m := &p.ref.m
	if want := expectedPunt(m); want != gen.FlowtapPuntReasonPUNT_NONE {
		p.report("packet %d (%s): kernel kept a packet Go decapsulates (%v)", p.n, hdrDesc(m), want)
	}
	if d := checkResult(k, ref, m); len(d) > 0 {
		p.report("packet %d (%s): result differs:\n\t%s", p.n, hdrDesc(m), joinLimited(d, 12))
	}
	if ref.upd.Dump {
		p.dumps++
	}
	if ref.flow != nil {
		p.checkState(ref.flow.Key, &ref.flow.State, fmt.Sprintf("packet %d (%s)", p.n, hdrDesc(m)))
		if ref.opp != nil {
			p.checkState(ref.opp.Key, &ref.opp.State, fmt.Sprintf("packet %d (%s) opposite", p.n, hdrDesc(m)))
		}
	}
	return k, true
}

// checkState compares the kernel's state of flow key with want.
func (p *pair) checkState(key gen.FlowtapFlowKey, want *gen.FlowtapFlowState, where string) {
	p.t.Helper()
	var got gen.FlowtapFlowState
	if err := p.o.Flows.Lookup(&key, &got); err != nil {
		p.report("%s: kernel has no flow %v: %v", where, key, err)
		return
	}
	if d := diffStates(&got, want); len(d) > 0 {
		p.report("%s: flow state differs:\n\t%s", where, joinLimited(d, 12))
	}
}

// finish compares every flow of both sides and returns how many there are.
func (p *pair) finish() int {
	p.t.Helper()
	flows, err := p.o.ReadFlows()
	if err != nil {
		p.t.Fatal(err)
	}
	if len(flows) != len(p.ref.keys) {
		p.report("kernel holds %d flow directions, Go created %d", len(flows), len(p.ref.keys))
	}
	for _, k := range p.ref.keys {
		f := p.ref.table.Lookup(&k)
		got, ok := flows[k]
		if !ok {
			p.report("flow %v (flowInd %d): missing in the kernel", k, f.State.FlowInd)
			continue
		}
		if d := diffStates(&got, &f.State); len(d) > 0 {
			p.report("flow %v (flowInd %d) differs at the end:\n\t%s", k, f.State.FlowInd, joinLimited(d, 12))
		}
	}
	return len(flows)
}

// checkCounters checks the kernel's counters against the run.
func (p *pair) checkCounters() []uint64 {
	p.t.Helper()
	c, err := p.o.ReadCounters()
	if err != nil {
		p.t.Fatal(err)
	}
	if got := c[gen.FlowtapCounterIdCNT_PACKETS]; got != uint64(p.run) {
		p.t.Errorf("CNT_PACKETS = %d, want %d packets run", got, p.run)
	}
	if got := c[gen.FlowtapCounterIdCNT_FLOWS_CREATED]; got != uint64(len(p.ref.keys)) {
		p.t.Errorf("CNT_FLOWS_CREATED = %d, want %d", got, len(p.ref.keys))
	}
	punted := 0
	for r, n := range p.punts {
		punted += n
		if got := c[gen.FlowtapCounterIdCNT_PUNT_BASE+gen.FlowtapCounterId(r)]; got != uint64(n) {
			p.t.Errorf("punt counter %v = %d, want %d", r, got, n)
		}
	}
	sel, cop, drop := c[gen.FlowtapCounterIdCNT_DUMP_SELECTED], c[gen.FlowtapCounterIdCNT_DUMP_COPIED], c[gen.FlowtapCounterIdCNT_ERR_RB_RESERVE]
	if sel != uint64(p.dumps) {
		p.t.Errorf("CNT_DUMP_SELECTED = %d, want %d packets pcapd selected", sel, p.dumps)
	}
	if sel != cop+drop {
		p.t.Errorf("selected %d != copied %d + dropped %d", sel, cop, drop)
	}
	return c
}

// kernelRun is a kernel result and whether the packet ran at all.
type kernelRun struct {
	loader.Result
	ran bool
}
