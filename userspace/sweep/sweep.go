package sweep

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/flowtable"
)

// Entry is one flow direction of the map.
type Entry struct {
	Key   flowtable.Key
	State datapath.State
}

// MapSource is the kernel flows map (and the fragment table that points
// into it) as the sweeper uses it.
type MapSource interface {
	// Snapshot appends every flow direction now in the map to dst.
	Snapshot(dst []Entry) ([]Entry, error)
	// Lookup reads the state of k; ok is false when k is absent.
	Lookup(k *flowtable.Key, st *datapath.State) (ok bool, err error)
	// LookupAndDelete removes k and returns its state at removal
	// (BPF_MAP_LOOKUP_AND_DELETE_ELEM); ok is false when k is absent.
	LookupAndDelete(k *flowtable.Key, st *datapath.State) (ok bool, err error)
	// DeleteFragment removes the fragment-table entry k, if present.
	DeleteFragment(k *flowtable.Key) error
}

// Clock gives the sweeper kernel time and its wall-clock equivalent
// (ktime.Converter).
type Clock interface {
	// Now is the kernel monotonic time now, the base of first_ns/last_ns.
	Now() uint64
	// Wall converts a kernel monotonic time to ns since the Unix epoch.
	Wall(mono uint64) int64
}

// Emit receives an ended pair, A first (the direction without
// L3FLOWINVERT); b is nil for a flow without opposite. Times in the
// states are wall-clock. The flows are valid until Emit returns.
type Emit func(a, b *flowtable.Flow)

// Sweeper expires flows of one map. It is not safe for concurrent use:
// Run owns it until it returns, then Flush and Stats may be called.
type Sweeper struct {
	src   MapSource
	clock Clock
	emit  Emit
	log   *slog.Logger
	snap  []Entry
	index map[flowtable.Key]int32
	ended []pair
	stats Stats
}

// pair is an ended flow found in a snapshot: indexes into snap, b -1
// when there is no opposite.
type pair struct {
	a, b   int32
	oldest uint64
}

// New returns a sweeper of src that writes ended pairs to emit.
func New(src MapSource, clock Clock, emit Emit, log *slog.Logger) *Sweeper {
	return &Sweeper{src: src, clock: clock, emit: emit, log: log, index: make(map[flowtable.Key]int32)}
}

// Run sweeps every interval until ctx is done. A failing pass is logged
// and counted, and the next one tries again: a map read error must not
// end a capture.
func (s *Sweeper) Run(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if _, err := s.Sweep(); err != nil {
				s.stats.Errors++
				if s.stats.Errors == 1 {
					s.log.Error("flow sweep", "err", err)
				}
			}
		}
	}
}

// Sweep writes and removes every pair that has timed out now, or that
// force mode marked for removal, and returns how many pairs it wrote.
func (s *Sweeper) Sweep() (int, error) {
	return s.pass(false)
}

// Flush writes and removes every flow left, least recently active pair
// first (T2's end-of-file order), and returns how many pairs it wrote.
func (s *Sweeper) Flush() (int, error) {
	return s.pass(true)
}

func (s *Sweeper) pass(all bool) (int, error) {
	began := time.Now()
	now := s.clock.Now()
	var err error
	s.snap, err = s.src.Snapshot(s.snap[:0])
	if err != nil {
		return 0, fmt.Errorf("read map flows: %w", err)
	}
	s.stats.Sweeps++
	s.stats.MaxLive = max(s.stats.MaxLive, uint64(len(s.snap)))
	clear(s.index)
	for i := range s.snap {
		s.index[s.snap[i].Key] = int32(i)
	}
	s.ended = s.ended[:0]
	for i := range s.snap {
		s.consider(int32(i), now, all)
	}
	slices.SortFunc(s.ended, func(x, y pair) int { return cmp.Compare(x.oldest, y.oldest) })
	// One offset for the whole pass keeps durations intact.
	offset := s.clock.Wall(now) - int64(now)
	n := 0
	for _, p := range s.ended {
		ok, err := s.end(p, now, all, offset)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	s.log.Debug("flow sweep", "flows", len(s.snap), "ended", n, "flush", all, "took", time.Since(began))
	return n, nil
}

// consider adds the pair of snapshot entry i to s.ended when it ends now,
// once per pair: the entry with the smaller index adds it.
func (s *Sweeper) consider(i int32, now uint64, all bool) {
	e := &s.snap[i]
	o := int32(-1)
	if rk := Reverse(&e.Key, &e.State); rk != e.Key {
		if j, ok := s.index[rk]; ok {
			o = j
		}
	}
	if o >= 0 && o < i {
		return
	}
	var opp *datapath.State
	if o >= 0 {
		opp = &s.snap[o].State
	}
	if !all && !Ends(now, &e.State, opp) {
		return
	}
	p := pair{a: i, b: o, oldest: e.State.LastNs}
	if opp != nil {
		p.oldest = min(p.oldest, opp.LastNs)
	}
	s.ended = append(s.ended, p)
}

// Ends reports whether a flow direction st with opposite opp (nil: none)
// ends at kernel time now: both idle for at least their own timeouts
// (t2-semantics.md section 3), or force mode marked either for removal.
func Ends(now uint64, st, opp *datapath.State) bool {
	if forced(st) || (opp != nil && forced(opp)) {
		return true
	}
	return idle(now, st) && (opp == nil || idle(now, opp))
}

func forced(st *datapath.State) bool { return st.Status&datapath.StatRmFlow != 0 }

func idle(now uint64, st *datapath.State) bool {
	if now < st.LastNs {
		return false // a packet newer than the clock read: active
	}
	return now-st.LastNs >= st.TimeoutNs
}

// Reverse returns the key of the opposite direction: IPs and ports
// swapped, and the MACs of an L2 flow (flowtable's pairing rule).
func Reverse(k *flowtable.Key, st *datapath.State) flowtable.Key {
	r := *k
	r.SrcIp, r.DstIp = k.DstIp, k.SrcIp
	r.SrcPort, r.DstPort = k.DstPort, k.SrcPort
	if st.Status&datapath.StatL2Flow != 0 {
		r.EthSrc, r.EthDst = k.EthDst, k.EthSrc
	}
	return r
}
