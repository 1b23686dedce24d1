//go:build linux

package main

import (
	"strings"
	"testing"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/userspace/engine"
	"github.com/flowtap/flowtap/userspace/sweep"
)

func TestCheckCaps(t *testing.T) {
	bit := func(c ...uint) uint64 {
		var v uint64
		for _, x := range c {
			v |= 1 << x
		}
		return v
	}
	tests := []struct {
		name    string
		eff     uint64
		missing []string // nil: accepted
	}{
		{"root", ^uint64(0), nil},
		{"the three capabilities", bit(capBPF, capNetAdmin, capPerfmon), nil},
		{"CAP_SYS_ADMIN stands in for BPF and PERFMON", bit(capSysAdmin, capNetAdmin), nil},
		{"none", 0, []string{"CAP_BPF", "CAP_NET_ADMIN", "CAP_PERFMON"}},
		{"no CAP_NET_ADMIN", bit(capBPF, capPerfmon, capSysAdmin), []string{"CAP_NET_ADMIN"}},
		{"no CAP_PERFMON", bit(capBPF, capNetAdmin), []string{"CAP_PERFMON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkCaps(tt.eff)
			if (err == nil) != (tt.missing == nil) {
				t.Fatalf("checkCaps(%#x) = %v, want missing %v", tt.eff, err, tt.missing)
			}
			if err == nil {
				return
			}
			got := err.Error()
			_, list, _ := strings.Cut(got, "missing ")
			list, _, _ = strings.Cut(list, ":")
			if list != strings.Join(tt.missing, ", ") {
				t.Errorf("message %q names missing %q, want %q", got, list, strings.Join(tt.missing, ", "))
			}
			if !strings.Contains(got, "setcap") {
				t.Errorf("message %q does not say how to grant them", got)
			}
		})
	}
}

func TestCheckKernel(t *testing.T) {
	tests := []struct {
		release string
		ok      bool
	}{
		{"5.15.0-91-generic", true},
		{"6.1.0-18-amd64", true},
		{"10.0.1", true},
		{"5.14.21-150400", false},
		{"5.4.0", false},
		{"4.19.0", false},
		{"garbage", false},
	}
	for _, tt := range tests {
		t.Run(tt.release, func(t *testing.T) {
			err := checkKernel(tt.release)
			if (err == nil) != tt.ok {
				t.Errorf("checkKernel(%q) = %v, want ok %v", tt.release, err, tt.ok)
			}
			if err != nil && tt.release != "garbage" && !strings.Contains(err.Error(), "5.15") {
				t.Errorf("message %q does not name the minimum", err)
			}
		})
	}
}

func counters(set map[gen.FlowtapCounterId]uint64, punts map[int]uint64) []uint64 {
	c := make([]uint64, gen.FlowtapCounterIdCNT_MAX)
	for id, v := range set {
		c[id] = v
	}
	for r, v := range punts {
		c[int(gen.FlowtapCounterIdCNT_PUNT_BASE)+r] = v
	}
	return c
}

func TestBalanceLines(t *testing.T) {
	const (
		sel = gen.FlowtapCounterIdCNT_DUMP_SELECTED
		cop = gen.FlowtapCounterIdCNT_DUMP_COPIED
		rb  = gen.FlowtapCounterIdCNT_ERR_RB_RESERVE
		pc  = gen.FlowtapCounterIdCNT_PUNT_COPIED
	)
	tests := []struct {
		name    string
		cnt     []uint64
		written uint64
		want    []string // substrings, each in some line
		notWant string
	}{
		{"all written", counters(map[gen.FlowtapCounterId]uint64{sel: 30, cop: 30}, nil), 30,
			[]string{"[INF] pcapd: packets written 30 + dropped 0 = selected by the kernel 30"}, "[ERR]"},
		{"ring full, counted", counters(map[gen.FlowtapCounterId]uint64{sel: 100, cop: 90, rb: 10}, nil), 90,
			[]string{"written 90 + dropped 10 = selected by the kernel 100", "[WRN] pcapd: 10 selected packets lost"}, "[ERR]"},
		{"copied but not written", counters(map[gen.FlowtapCounterId]uint64{sel: 100, cop: 100}, nil), 97,
			[]string{"[ERR] pcapd: packets written 97 + dropped 0 != selected by the kernel 100 (3 copied packets not written)"}, ""},
		{"punt copies lost", counters(map[gen.FlowtapCounterId]uint64{rb: 2, pc: 3}, map[int]uint64{6: 5}), 0,
			[]string{"[WRN] xdp: 2 punted packets lost"}, "[ERR]"},
		{"ring failures unaccounted", counters(map[gen.FlowtapCounterId]uint64{rb: 4}, nil), 0,
			[]string{"[ERR] xdp: 4 ring buffer failures, but 0 extraction and 0 punt copies missing"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var punts uint64
			for i := 1; i < len(puntNames); i++ {
				punts += puntCount(tt.cnt, i)
			}
			got := strings.Join(balanceLines(tt.cnt, tt.written, punts), "\n")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("lines\n%s\nlack %q", got, w)
				}
			}
			if tt.notWant != "" && strings.Contains(got, tt.notWant) {
				t.Errorf("lines\n%s\ncontain %q", got, tt.notWant)
			}
		})
	}
}

// TestKernelLinesCoverEveryCounter keeps the report in step with
// bpf/maps.h: every counter below the punt block has a name and a line.
func TestKernelLinesCoverEveryCounter(t *testing.T) {
	for id := gen.FlowtapCounterId(0); id < gen.FlowtapCounterIdCNT_PUNT_BASE; id++ {
		if _, ok := counterNames[id]; !ok {
			t.Errorf("counter %d has no name", id)
		}
	}
	if n := int(gen.FlowtapCounterIdCNT_MAX - gen.FlowtapCounterIdCNT_PUNT_BASE); n != len(puntNames) {
		t.Errorf("%d punt reasons, %d names", n, len(puntNames))
	}
	cnt := counters(map[gen.FlowtapCounterId]uint64{gen.FlowtapCounterIdCNT_PACKETS: 7}, map[int]uint64{5: 2})
	got := strings.Join(kernelLines(cnt, 0), "\n")
	for _, w := range []string{"[INF] xdp: packets seen by the program: 7", "packets punted to the Go engine (ipip): 2", "packets punted to the Go engine: 2"} {
		if !strings.Contains(got, w) {
			t.Errorf("kernel lines lack %q:\n%s", w, got)
		}
	}
}

// TestAddKernelCounts checks how the kernel's figures join the engine's:
// packets from the program's counter (punted ones included), flows'
// packets and bytes added to the engine's punted ones.
func TestAddKernelCounts(t *testing.T) {
	s := &engine.Stats{}
	s.Packets, s.APackets, s.ABytes, s.TCPPackets = 3, 3, 300, 3 // three punted packets
	cnt := counters(map[gen.FlowtapCounterId]uint64{gen.FlowtapCounterIdCNT_PACKETS: 20, gen.FlowtapCounterIdCNT_NO_FLOW: 2}, nil)
	sw := &sweep.Stats{APackets: 10, BPackets: 5, ABytes: 1000, BBytes: 500, TCPPackets: 15, LowWinPkts: 4}
	addKernelCounts(s, cnt, sw)
	if s.Packets != 20 || s.APackets != 13 || s.BPackets != 5 || s.ABytes != 1300 || s.BBytes != 500 ||
		s.TCPPackets != 18 || s.LowWinPkts != 4 || s.NoFlow != 2 || s.Bytes != 1500 {
		t.Errorf("merged stats %+v", s.Summary)
	}
}
