package flowtable

import (
	"testing"
	"unsafe"

	"github.com/flowtap/flowtap/userspace/datapath"
)

// TestPrefetchIgnoresBadAddresses checks the prefetch instructions'
// promise that the rolling prefetch relies on: an address that is not
// mapped (a stale or garbage slot) neither faults nor stops the program.
func TestPrefetchIgnoresBadAddresses(t *testing.T) {
	for _, a := range []uintptr{0, 64, 1 << 47, ^uintptr(0) &^ 63} {
		prefetchLine(a)
		prefetchFlowLines(a, a)
	}
	var x [4]uint64
	prefetchLine(uintptr(unsafe.Pointer(&x[0])))
	if x != [4]uint64{} {
		t.Fatal("a prefetch changed memory")
	}
}

// TestPrefetchFlow checks what PrefetchFlow finds: nothing to report for
// a packet of an existing flow, and for a packet that will create a flow
// the opposite direction that Create will pair it with.
func TestPrefetchFlow(t *testing.T) {
	tab := New(64, []uint64{182e9})
	cfg := &datapath.Config{FlowTimeoutNs: 182e9}
	var fwd, rev, other datapath.Meta
	fwd.Key.SrcIp = [16]uint8{10, 0, 0, 1}
	fwd.Key.DstIp = [16]uint8{10, 0, 0, 2}
	fwd.Key.SrcPort, fwd.Key.DstPort, fwd.Key.L4Proto, fwd.L3 = 40000, 80, 6, datapath.L3IPv4
	rev = fwd
	rev.Key.SrcIp, rev.Key.DstIp = fwd.Key.DstIp, fwd.Key.SrcIp
	rev.Key.SrcPort, rev.Key.DstPort = fwd.Key.DstPort, fwd.Key.SrcPort
	other = fwd
	other.Key.SrcPort = 40001
	emit := func(a, b *Flow) { t.Fatal("nothing should end") }
	f := tab.Create(&fwd, 1, cfg, emit)
	if f.State.Status == 0 {
		t.Fatal("a new IPv4 flow has no status bits")
	}
	tab.PrefetchIndex(tab.Hash(&rev.Key))
	if got := tab.PrefetchFlow(tab.Hash(&rev.Key), &rev); got != f.State.Status {
		t.Errorf("reply of a live flow: PrefetchFlow %#x, want the opposite's status %#x", got, f.State.Status)
	}
	if got := tab.PrefetchFlow(tab.Hash(&fwd.Key), &fwd); got != 0 {
		t.Errorf("packet of a live flow: PrefetchFlow %#x, want 0", got)
	}
	if got := tab.PrefetchFlow(tab.Hash(&other.Key), &other); got != 0 {
		t.Errorf("packet of an unrelated new flow: PrefetchFlow %#x, want 0", got)
	}
}

// TestPrefetchWhole checks that prefetching a flow, or nil, leaves it as
// it was.
func TestPrefetchWhole(t *testing.T) {
	var f Flow
	f.State.Pkts = 7
	PrefetchWhole(nil)
	PrefetchWhole(&f)
	if f.State.Pkts != 7 || f.Key != (Key{}) {
		t.Fatal("PrefetchWhole changed the flow")
	}
}
