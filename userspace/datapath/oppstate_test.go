package datapath_test

import (
	"testing"

	"github.com/flowtap/flowtap/userspace/datapath"
)

// TestResultOppState checks the promise the flow table relies on to skip
// reading the opposite direction after most packets: whenever Update
// changes the opposite's timeout, Result.OppState is set. It tries every
// TCP flag combination on every pair of TCP states and FIN bookkeeping,
// reached by real segment sequences.
func TestResultOppState(t *testing.T) {
	cfg := datapath.Config{FlowTimeoutNs: 182e9, TCPWinThres: 1, PDEq: true}
	// Prefixes that leave the pair in each state of interest.
	prefixes := map[string][]seg{
		"new":         {{cli: true, flags: "S", seq: 100}},
		"established": {{cli: true, flags: "S", seq: 100}, {flags: "SA", seq: 500, ack: 101}, {cli: true, flags: "A", seq: 101, ack: 501}},
		"closing": {{cli: true, flags: "S", seq: 100}, {flags: "SA", seq: 500, ack: 101}, {cli: true, flags: "A", seq: 101, ack: 501},
			{cli: true, flags: "FA", seq: 101, ack: 501}},
		"both fin": {{cli: true, flags: "S", seq: 100}, {flags: "SA", seq: 500, ack: 101}, {cli: true, flags: "A", seq: 101, ack: 501},
			{cli: true, flags: "FA", seq: 101, ack: 501}, {flags: "FA", seq: 501, ack: 102}},
		"reset": {{cli: true, flags: "S", seq: 100}, {flags: "SA", seq: 500, ack: 101}, {cli: true, flags: "R", seq: 101}},
	}
	letters := "SAFRPU"
	checked := 0
	for name, prefix := range prefixes {
		for mask := range 1 << len(letters) {
			flags := ""
			for i := range len(letters) {
				if mask&(1<<i) != 0 {
					flags += letters[i : i+1]
				}
			}
			for _, cli := range []bool{true, false} {
				var st [2]datapath.State // 0: client side, 1: server side
				have := [2]bool{}
				ts := uint64(1e9)
				run := func(s seg) datapath.Result {
					m := tcpSegMeta(t, s)
					me, other := 1, 0
					if s.cli {
						me, other = 0, 1
					}
					isNew := !have[me]
					if isNew {
						datapath.InitFlow(&st[me], m, ts, &cfg)
						have[me] = true
					}
					var opp *datapath.State
					if have[other] {
						opp = &st[other]
					}
					ts += 1e6
					return datapath.Update(&st[me], opp, m, ts, isNew, &cfg)
				}
				for _, s := range prefix {
					run(s)
				}
				other := 1
				if !cli {
					other = 0
				}
				before := st[other].TimeoutNs
				r := run(seg{cli: cli, flags: flags, seq: 102, ack: 502, win: 100})
				if st[other].TimeoutNs != before && !r.OppState {
					t.Errorf("%s, %q from client=%v: opposite timeout %d -> %d without OppState",
						name, flags, cli, before, st[other].TimeoutNs)
				}
				checked++
			}
		}
	}
	if checked != len(prefixes)*64*2 {
		t.Fatalf("checked %d cases", checked)
	}
}
