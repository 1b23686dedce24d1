package flowtable_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/flowtable"
)

// refTable is a deliberately plain model of T2's flow bookkeeping
// (main.c cycleLRUList, removeFlow, lruRmLstFlow, lruPrintFlow; flow.c
// flowCreate): one doubly linked LRU list with a sentinel per timeout,
// no index, no caches. The table under test must write the same flows in
// the same order.
type refTable struct {
	head, tail *refNode
	sentinels  []*refNode // biggest timeout first
	flows      map[flowtable.Key]*refNode
	live, cap  int
	ind        uint64
	out        []string
}

type refNode struct {
	prev, next *refNode // prev towards the newest flow
	sentinel   bool
	to         uint64 // sentinel timeout
	key        flowtable.Key
	last, tmo  uint64
	opp        *refNode
	inv, hfull bool
	ind        uint64
}

func newRef(capacity int, timeouts []uint64) *refTable {
	r := &refTable{head: &refNode{sentinel: true}, tail: &refNode{sentinel: true}, flows: map[flowtable.Key]*refNode{}, cap: capacity}
	r.head.next, r.tail.prev = r.tail, r.head
	sorted := slices.Clone(timeouts)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	slices.Reverse(sorted)
	for _, to := range sorted {
		s := &refNode{sentinel: true, to: to}
		r.insertAfter(s, r.tail.prev)
		r.sentinels = append(r.sentinels, s)
	}
	return r
}

func (r *refTable) unlink(n *refNode) { n.prev.next, n.next.prev = n.next, n.prev }

// insertAfter puts n on the older side of at.
func (r *refTable) insertAfter(n, at *refNode) {
	n.prev, n.next = at, at.next
	at.next.prev = n
	at.next = n
}

func (r *refTable) touch(n *refNode) {
	if r.head.next != n {
		r.unlink(n)
		r.insertAfter(n, r.head)
	}
}

// older reports whether a flow last seen at last is at least to old at now
// (T2 computes a signed difference, so a future timestamp is never old).
func older(now, last, to uint64) bool { return now >= last && now-last >= to }

func (r *refTable) print(n *refNode) {
	line := func(d byte, m *refNode) string { return lineString(d, m.ind, &m.key, m.hfull) }
	switch {
	case n.opp == nil:
		r.out = append(r.out, line('A', n))
	case n.inv:
		r.out = append(r.out, line('A', n.opp), line('B', n))
	default:
		r.out = append(r.out, line('A', n), line('B', n.opp))
	}
}

// remove drops n and its opposite and returns where a walk continues.
func (r *refTable) remove(n *refNode) *refNode {
	prev := n.prev
	for _, g := range []*refNode{n, n.opp} {
		if g == nil {
			continue
		}
		r.unlink(g)
		if prev == g {
			prev = g.prev
		}
		delete(r.flows, g.key)
		r.live--
	}
	return prev
}

func (r *refTable) expire(now uint64) {
	for _, s := range r.sentinels {
		n := s.prev
		for n != r.head {
			if n.sentinel {
				n = n.prev
				continue
			}
			if !older(now, n.last, s.to) {
				break
			}
			next := n.prev
			if older(now, n.last, n.tmo) && (n.opp == nil || older(now, n.opp.last, n.opp.tmo)) {
				r.print(n)
				next = r.remove(n)
			}
			n = next
		}
		if n != s.prev {
			r.unlink(s)
			r.insertAfter(s, n)
		}
	}
}

// create adds a flow; heuristicInv is the A/B heuristic's verdict for a
// new conversation, taken from the table (TestHeuristic checks the rule).
func (r *refTable) create(k flowtable.Key, now, tmo uint64, heuristicInv bool) *refNode {
	if r.live >= r.cap {
		for n := r.tail.prev; n != r.head; n = n.prev {
			if !n.sentinel {
				n.hfull = true
				r.print(n)
				r.remove(n)
				break
			}
		}
	}
	n := &refNode{key: k, last: now, tmo: tmo}
	r.insertAfter(n, r.head)
	r.flows[k] = n
	r.live++
	rk := k
	rk.SrcIp, rk.DstIp, rk.SrcPort, rk.DstPort = k.DstIp, k.SrcIp, k.DstPort, k.SrcPort
	if rev := r.flows[rk]; rev != nil && rev != n {
		n.opp, rev.opp = rev, n
		n.ind, n.inv = rev.ind, !rev.inv
	} else {
		r.ind++
		n.ind, n.inv = r.ind, heuristicInv && rev == nil
	}
	return n
}

func (r *refTable) flush() {
	for n := r.tail.prev; n != r.head; {
		if n.sentinel {
			n = n.prev
			continue
		}
		r.print(n)
		n = r.remove(n)
	}
}

// modelRun drives the table and the model with the same random packets.
type modelRun struct {
	t      *testing.T
	rng    *rand.Rand
	tab    *flowtable.Table
	ref    *refTable
	cfg    datapath.Config
	metas  []*datapath.Meta
	out    []string
	now    uint64
	untouc bool // some updates leave the LRU position alone (later fragments)
	back   bool // the clock sometimes steps back
}

var modelTimeouts = []uint64{182 * sec, datapath.TimeoutReset, datapath.TimeoutNew, datapath.TimeoutEstablished, datapath.TimeoutClosed}

func (mr *modelRun) emit(a, b *flowtable.Flow) {
	for _, l := range []struct {
		d byte
		f *flowtable.Flow
	}{{'A', a}, {'B', b}} {
		if l.f != nil {
			mr.out = append(mr.out, lineString(l.d, l.f.State.FlowInd, &l.f.Key, l.f.State.Status&datapath.StatRmFlowHFull != 0))
		}
	}
}

func (mr *modelRun) compare(step int, what string) {
	mr.t.Helper()
	if !slices.Equal(mr.out, mr.ref.out) {
		n := len(mr.out)
		mr.t.Fatalf("step %d (%s, now %.3f s): table wrote %d lines, T2 model %d\n table: %v\n model: %v",
			step, what, float64(mr.now)/1e9, n, len(mr.ref.out), tail(mr.out), tail(mr.ref.out))
	}
}

// lineString names a written direction: dir, flowInd, key, evicted.
func lineString(dir byte, ind uint64, k *flowtable.Key, hfull bool) string {
	s := fmt.Sprintf("%c%d %d.%d.%d.%d:%d>%d.%d.%d.%d:%d", dir, ind, k.SrcIp[0], k.SrcIp[1], k.SrcIp[2], k.SrcIp[3], k.SrcPort,
		k.DstIp[0], k.DstIp[1], k.DstIp[2], k.DstIp[3], k.DstPort)
	if hfull {
		s += " HFULL"
	}
	return s
}

func tail(s []string) []string { return s[max(0, len(s)-4):] }

func (mr *modelRun) step(i int) {
	rng := mr.rng
	switch d := rng.IntN(100); {
	case mr.back && d < 3:
		mr.now -= min(mr.now, uint64(rng.Int64N(int64(60*sec))))
	case d < 70:
		mr.now += uint64(rng.Int64N(int64(20 * sec)))
	case d < 95:
		mr.now += uint64(rng.Int64N(int64(sec / 5)))
	default:
		mr.now += uint64(rng.Int64N(int64(700 * sec)))
	}
	if rng.IntN(50) == 0 {
		// A force-mode style removal of a random live flow.
		m := mr.metas[rng.IntN(len(mr.metas))]
		if f := mr.tab.Lookup(&m.Key); f != nil {
			mr.tab.RemoveNow(f, mr.emit)
			if n := mr.ref.flows[m.Key]; n != nil {
				mr.ref.print(n)
				mr.ref.remove(n)
			}
			mr.compare(i, "remove")
		}
		return
	}
	mr.tab.Expire(mr.now, mr.emit)
	mr.ref.expire(mr.now)
	mr.compare(i, "expire")
	m := mr.metas[rng.IntN(len(mr.metas))]
	f, n := mr.tab.Lookup(&m.Key), mr.ref.flows[m.Key]
	if (f == nil) != (n == nil) {
		mr.t.Fatalf("step %d: table has flow %v, model %v", i, f != nil, n != nil)
	}
	isNew := f == nil
	if isNew {
		f = mr.tab.Create(m, mr.now, &mr.cfg, mr.emit)
		n = mr.ref.create(m.Key, mr.now, mr.cfg.FlowTimeoutNs, f.State.Status&datapath.StatInvert != 0)
		mr.compare(i, "create")
	} else if !mr.untouc || rng.IntN(4) != 0 {
		mr.tab.Touch(f)
		mr.ref.touch(n)
	}
	var opp *datapath.State
	if o := mr.tab.Opposite(f); o != nil {
		opp = &o.State
	}
	datapath.Update(&f.State, opp, m, mr.now, isNew, &mr.cfg)
	n.last = mr.now
	if rng.IntN(5) == 0 {
		// A state change sets a timeout on both directions, as tcpStates does.
		to := modelTimeouts[rng.IntN(len(modelTimeouts))]
		f.State.TimeoutNs, n.tmo = to, to
		if o := mr.tab.Opposite(f); o != nil {
			o.State.TimeoutNs, n.opp.tmo = to, to
		}
	}
	mr.tab.Seen(f) // after the update, as the engine calls it
}

// TestAgainstT2Model runs random packet sequences (few hosts and ports, so
// that pairs form and the table fills) through the table and the model.
func TestAgainstT2Model(t *testing.T) {
	var metas []*datapath.Meta
	hosts := []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}
	ports := []uint16{53, 8080, 40000}
	for _, a := range hosts {
		for _, b := range hosts {
			for _, p := range ports {
				for _, q := range ports {
					if a != b {
						metas = append(metas, udp(t, a, b, p, q))
					}
				}
			}
		}
	}
	modes := []struct {
		name           string
		untouched, bck bool
	}{
		{"monotonic clock", false, false},
		{"untouched updates", true, false},
		{"clock steps back", false, true},
	}
	for _, md := range modes {
		t.Run(md.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 30; seed++ {
				capacity := 8 + int(seed%5)*8
				cfg := datapath.Config{FlowTimeoutNs: 182 * sec, TCPWinThres: 1, PDEq: true}
				mr := &modelRun{
					t: t, rng: rand.New(rand.NewPCG(seed, 99)), cfg: cfg, metas: metas,
					tab: flowtable.New(capacity, modelTimeouts), ref: newRef(capacity, modelTimeouts),
					now: 1_600_000_000 * sec, untouc: md.untouched, back: md.bck,
				}
				for i := range 2000 {
					mr.step(i)
					if t.Failed() {
						t.Fatalf("seed %d capacity %d", seed, capacity)
					}
				}
				mr.tab.Flush(mr.emit)
				mr.ref.flush()
				mr.compare(-1, "flush")
				if got := mr.tab.Counters().Evicted; got == 0 && capacity < 16 {
					t.Errorf("seed %d: no eviction with capacity %d", seed, capacity)
				}
			}
		})
	}
}
