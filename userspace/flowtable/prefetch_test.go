package flowtable_test

import (
	"fmt"
	"testing"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/flowtable"
)

// TestPrefetchLeavesLiveFlows checks that Prefetch, which writes into the
// slots the next new flows will take, never touches a live flow: with
// flows removed (slots on the free list) and fresh slots ahead, every
// live flow's state is the same after a Prefetch of many misses.
func TestPrefetchLeavesLiveFlows(t *testing.T) {
	cfg := datapath.Config{FlowTimeoutNs: 182 * sec, TCPWinThres: 1, PDEq: true}
	tab := flowtable.New(64, []uint64{cfg.FlowTimeoutNs})
	noEmit := func(a, b *flowtable.Flow) {}
	var flows []*flowtable.Flow
	for i := range 20 {
		m := udp(t, "10.0.0.1", fmt.Sprintf("10.0.1.%d", i+1), 1000, 53)
		f := tab.Resolve(m, uint64(i+1)*sec, tab.Hash(&m.Key), &cfg, noEmit).Flow
		datapath.Update(&f.State, nil, m, uint64(i+1)*sec, true, &cfg)
		flows = append(flows, f)
	}
	for _, f := range []*flowtable.Flow{flows[3], flows[7], flows[11]} {
		tab.RemoveNow(f, noEmit)
	}
	live := map[*flowtable.Flow]flowtable.Flow{}
	for i, f := range flows {
		if i != 3 && i != 7 && i != 11 {
			live[f] = *f
		}
	}
	hs := make([]uint32, 32)
	for i := range hs {
		hs[i] = uint32(0x9e3779b9 * (i + 1)) // hashes of no live flow
	}
	tab.Prefetch(hs, make([]int32, len(hs)))
	for f, before := range live {
		if *f != before {
			t.Fatalf("Prefetch changed live flow %v", f.Key)
		}
	}
	// The warmed slots are still usable: new flows take them and count.
	for i := range 30 {
		m := udp(t, "10.0.2.1", fmt.Sprintf("10.0.3.%d", i+1), 2000, 53)
		f := tab.Resolve(m, 100*sec, tab.Hash(&m.Key), &cfg, noEmit).Flow
		datapath.Update(&f.State, nil, m, 100*sec, true, &cfg)
		if f.State.Pkts != 1 || f.Key != m.Key {
			t.Fatalf("new flow %d: pkts %d key %v", i, f.State.Pkts, f.Key)
		}
	}
	for f, before := range live {
		if *f != before {
			t.Fatalf("a new flow overwrote live flow %v", before.Key)
		}
	}
}
