package sweep

import (
	"testing"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/flowtable"
)

func TestEnds(t *testing.T) {
	st := func(last, timeout, status uint64) *datapath.State {
		return &datapath.State{LastNs: last, TimeoutNs: timeout, Status: status}
	}
	tests := []struct {
		name    string
		now     uint64
		st, opp *datapath.State
		want    bool
	}{
		{"singleton exactly at its timeout", 110, st(10, 100, 0), nil, true},
		{"singleton 1 ns short", 109, st(10, 100, 0), nil, false},
		{"both idle past their own timeouts", 1000, st(10, 100, 0), st(500, 500, 0), true},
		{"opposite idle but not past its longer timeout", 1000, st(10, 100, 0), st(600, 500, 0), false},
		{"short RST timeout on the opposite only", 1000, st(10, 2000, 0), st(950, 10, 0), false},
		{"packet newer than the clock read", 100, st(150, 0, 0), nil, false},
		{"force mode on the direction", 0, st(0, 1000, datapath.StatRmFlow), st(0, 1000, 0), true},
		{"force mode on the opposite", 0, st(0, 1000, 0), st(0, 1000, datapath.StatRmFlow), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Ends(tt.now, tt.st, tt.opp); got != tt.want {
				t.Errorf("Ends = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReverse(t *testing.T) {
	k := key(1, 1000, 53)
	k.EthSrc, k.EthDst = [6]byte{1}, [6]byte{2}
	r := Reverse(&k, &datapath.State{Status: datapath.StatIPv4})
	if r.SrcIp != k.DstIp || r.DstIp != k.SrcIp || r.SrcPort != 53 || r.DstPort != 1000 || r.EthSrc != k.EthSrc {
		t.Errorf("IP flow reverse %+v: want IPs and ports swapped, MACs kept", r)
	}
	l2 := Reverse(&k, &datapath.State{Status: datapath.StatL2Flow})
	if l2.EthSrc != k.EthDst || l2.EthDst != k.EthSrc {
		t.Errorf("L2 flow reverse %+v: want MACs swapped", l2)
	}
}

// TestSweepPairs checks the pass itself: A first, times converted with
// one offset, pairs ordered by their older direction, fragment entries
// dropped, counters.
func TestSweepPairs(t *testing.T) {
	const off = 1_700_000_000_000_000_000
	m := newFakeMap()
	a1, b1 := key(1, 1000, 53), key(1, 1000, 53)
	b1 = Reverse(&a1, &datapath.State{})
	// Pair 1: the B side (inverted) was inserted first, both idle.
	m.put(b1, state(1, 50, 100, datapath.StatInvert))
	m.put(a1, state(1, 40, 100, 0))
	// Pair 2: inverted singleton with a pending fragment, idle, older.
	s2 := state(2, 20, 100, datapath.StatInvert|datapath.StatFragPending)
	s2.FragId = 0x12345678
	k2 := key(2, 7, 9)
	m.put(k2, s2)
	// Pair 3: active.
	m.put(key(3, 1, 2), state(3, 950, 100, 0))
	clk := &fixedClock{now: 1000, offset: off}
	c := &collector{}
	s := New(m, clk, c.emit, quiet())
	n, err := s.Sweep()
	if err != nil || n != 2 {
		t.Fatalf("Sweep = %d, %v; want 2 pairs", n, err)
	}
	if len(c.got) != 2 {
		t.Fatalf("emitted %d pairs, want 2", len(c.got))
	}
	first, second := c.got[0], c.got[1]
	if first.a.Key != k2 || first.hasB {
		t.Errorf("first pair %+v, want the older singleton", first.a.Key)
	}
	if second.a.Key != a1 || !second.hasB || second.b.Key != b1 {
		t.Errorf("second pair A %v B %v, want A the non-inverted direction", second.a.Key, second.b.Key)
	}
	if second.a.State.LastNs != 40+off || second.a.State.FirstNs != 1+off || second.b.State.LastNs != 50+off {
		t.Errorf("times %d..%d, %d: want wall-clock (offset %d)", second.a.State.FirstNs, second.a.State.LastNs, second.b.State.LastNs, uint64(off))
	}
	wantFrag := k2
	wantFrag.SrcPort, wantFrag.DstPort = 0x1234, 0x5678
	if len(m.fragDels) != 1 || m.fragDels[0] != wantFrag {
		t.Errorf("fragment deletions %v, want [%v]", m.fragDels, wantFrag)
	}
	if _, ok := m.m[key(3, 1, 2)]; !ok || len(m.m) != 1 {
		t.Errorf("map after sweep has %d entries, want only the active flow", len(m.m))
	}
	st := s.Stats()
	want := Stats{Sweeps: 1, Pairs: 2, MaxLive: 4, FragPendingExpired: 1, AFlows: 2, BFlows: 1, CorrReplFlows: 1, IPv4Flows: 3,
		APackets: 1, BPackets: 2, ABytes: 60, BBytes: 120, IPv4Packets: 3, UDPPackets: 3, UDPBytes: 180,
		Global: datapath.StatIPv4 | datapath.StatInvert | datapath.StatFragPending}
	if st != want {
		t.Errorf("stats\n got %+v\nwant %+v", st, want)
	}
}

// TestSweepRaces covers what can happen between the snapshot and the
// removal: a packet makes a due pair active again, the opposite of a due
// singleton appears, a flow disappears.
func TestSweepRaces(t *testing.T) {
	a := key(1, 1000, 53)
	b := Reverse(&a, &datapath.State{})
	tests := []struct {
		name        string
		setup       func(m *fakeMap)
		wantPairs   int
		wantRevived uint64
		wantLeft    int
	}{
		{
			name: "packet after the snapshot revives the pair",
			setup: func(m *fakeMap) {
				m.put(a, state(1, 10, 100, 0))
				m.fresh = map[flowtable.Key]datapath.State{a: state(1, 999, 100, 0)}
			},
			wantRevived: 1, wantLeft: 1,
		},
		{
			name: "opposite created after the snapshot keeps the singleton",
			setup: func(m *fakeMap) {
				m.put(a, state(1, 10, 100, 0))
				m.appear = map[flowtable.Key]datapath.State{b: state(1, 990, 100, datapath.StatInvert)}
			},
			wantRevived: 1, wantLeft: 2,
		},
		{
			name: "idle pair whose state only grew is written with the new counts",
			setup: func(m *fakeMap) {
				m.put(a, state(1, 10, 100, 0))
				st := state(1, 20, 100, 0)
				st.Pkts = 5
				m.fresh = map[flowtable.Key]datapath.State{a: st}
			},
			wantPairs: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newFakeMap()
			tt.setup(m)
			c := &collector{}
			s := New(m, &fixedClock{now: 1000}, c.emit, quiet())
			n, err := s.Sweep()
			if err != nil || n != tt.wantPairs || len(c.got) != tt.wantPairs {
				t.Fatalf("Sweep = %d, %v, emitted %d; want %d pairs", n, err, len(c.got), tt.wantPairs)
			}
			if s.Stats().Revived != tt.wantRevived || len(m.m) != tt.wantLeft {
				t.Errorf("revived %d, left %d; want %d, %d", s.Stats().Revived, len(m.m), tt.wantRevived, tt.wantLeft)
			}
			if n == 1 && c.got[0].a.State.Pkts != 5 {
				t.Errorf("written with %d packets, want the 5 of the state at removal", c.got[0].a.State.Pkts)
			}
		})
	}
}

func TestFlushAndErrors(t *testing.T) {
	m := newFakeMap()
	for i := range byte(5) {
		m.put(key(i, 1, 2), state(uint64(i), uint64(100-i), 1_000_000, 0))
	}
	c := &collector{}
	s := New(m, &fixedClock{now: 200}, c.emit, quiet())
	if n, err := s.Sweep(); n != 0 || err != nil {
		t.Fatalf("Sweep of active flows = %d, %v; want 0", n, err)
	}
	n, err := s.Flush()
	if err != nil || n != 5 || len(m.m) != 0 {
		t.Fatalf("Flush = %d, %v, %d left; want 5 written, none left", n, err, len(m.m))
	}
	for i := 1; i < len(c.got); i++ {
		if c.got[i].a.State.LastNs < c.got[i-1].a.State.LastNs {
			t.Errorf("flush order: pair %d last %d before pair %d last %d; want least recently active first",
				i-1, c.got[i-1].a.State.LastNs, i, c.got[i].a.State.LastNs)
		}
	}
	m.fail = errMap
	if _, err := s.Sweep(); err == nil {
		t.Error("Sweep with a failing map returned no error")
	}
}
