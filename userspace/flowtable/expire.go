package flowtable

import (
	"math"

	"github.com/flowtap/flowtap/userspace/datapath"
)

// Expire writes and removes every flow pair that has timed out at capture
// time nowNs, walking T2's LRU list from each timeout sentinel (biggest
// timeout first) towards newer flows and stopping at the first flow too
// young for that sentinel. A flow goes only when its opposite has timed
// out too (section 3). Cost is proportional to the flows inspected.
func (t *Table) Expire(nowNs uint64, emit Emit) {
	if !t.stale && nowNs >= t.maxNow && nowNs < t.nextCheck {
		// The usual packet: in order, and before any sentinel's bound.
		t.maxNow = nowNs
		return
	}
	// The cached bounds assume the flows in front of each sentinel are
	// ordered by last activity. A packet older than the newest one seen
	// breaks that: distrust the bounds now and after its update.
	if t.stale || nowNs < t.maxNow {
		t.distrustBounds()
	}
	t.stale = nowNs < t.maxNow
	t.maxNow = max(t.maxNow, nowNs)
	next := uint64(math.MaxUint64)
	for i := range t.sentinel {
		s := &t.sentinel[i]
		if nowNs >= s.notBefore {
			t.cycle(s, nowNs, emit)
		}
		next = min(next, s.notBefore)
	}
	t.nextCheck = next
}

// distrustBounds drops the sentinels' cached bounds: the next Expire
// walks from every sentinel.
func (t *Table) distrustBounds() {
	for i := range t.sentinel {
		t.sentinel[i].notBefore = 0
	}
	t.nextCheck = 0
}

func age(now, last uint64) uint64 {
	if now < last {
		return 0 // time went backwards: nothing is older than before
	}
	return now - last
}

// cycle is T2's cycleLRUList for one timeout handler.
func (t *Table) cycle(s *sentinel, now uint64, emit Emit) {
	to := s.timeout
	i := t.lru[s.slot].prev
	for i != head {
		if i < t.nMarkers {
			i = t.lru[i].prev
			continue
		}
		a := age(now, t.lru[i].last)
		if a < to {
			break
		}
		next := t.lru[i].prev
		if a >= t.lru[i].timeout {
			f := t.node(i)
			o := t.lru[i].opp
			if o < 0 || age(now, t.lru[o].last) >= t.lru[o].timeout {
				t.print(f, emit)
				next = t.remove(f)
			}
		}
		i = next
	}
	s.notBefore = 0
	if i != head && i >= t.nMarkers {
		s.notBefore = t.lru[i].last + to
	}
	if i == t.lru[s.slot].prev {
		return
	}
	// Park the sentinel right behind the last flow inspected.
	t.unlink(s.slot)
	t.linkAfter(s.slot, i)
}

// Flush writes and removes every remaining flow, least recently active
// first; a pair goes when the first of its directions is reached (EOF).
func (t *Table) Flush(emit Emit) {
	// Every flow goes, so instead of unlinking them one by one (an index
	// deletion and two LRU updates each) the walk only marks what it
	// wrote, and the table is reset to empty afterwards. The flows' memory
	// is untouched until the next Create, so emit's receiver may keep
	// reading them.
	for i := t.lru[tail].prev; i != head; i = t.lru[i].prev {
		if i < t.nMarkers {
			continue
		}
		l := &t.lru[i]
		if l.opp == flushed {
			continue
		}
		f := t.node(i)
		t.print(f, emit)
		if l.opp >= 0 {
			t.lru[l.opp].opp = flushed
		}
		if f.State.Status&datapath.StatFragPending != 0 {
			t.c.GlobalStatus |= datapath.StatFragPending
			t.c.FragPendingExpired++
		}
	}
	t.reset()
}

// reset empties the table: no live flow, the index and fragment table
// cleared, the sentinels back in front of the tail in creation order.
func (t *Table) reset() {
	clear(t.idx.entries)
	t.idx.n = 0
	clear(t.frags)
	t.lru[head] = link{prev: -1, next: tail}
	t.lru[tail] = link{prev: head, next: -1}
	for k := range t.sentinel {
		t.linkBefore(t.sentinel[k].slot, tail)
	}
	t.distrustBounds()
	t.free = t.free[:0]
	t.n = t.nMarkers
	t.live = 0
}

// RemoveNow writes and removes f and its opposite (force mode).
func (t *Table) RemoveNow(f *Flow, emit Emit) {
	if t.live == 0 {
		return
	}
	if i := t.slot(f); t.find(&f.Key, t.lru[i].hash) != i {
		return
	}
	t.print(f, emit)
	t.remove(f)
}

// print hands a flow and its opposite to emit, A first (T2 lruPrintFlow).
func (t *Table) print(f *Flow, emit Emit) {
	o := t.Opposite(f)
	switch {
	case o == nil:
		if f.State.Status&datapath.StatInvert != 0 {
			t.c.CorrReplFlows++
		}
		emit(f, nil)
	case f.State.Status&datapath.StatInvert != 0:
		emit(o, f)
	default:
		emit(f, o)
	}
}

// remove unlinks f and its opposite and frees their slots. It returns the
// LRU neighbour (towards newer flows) from which a walk can continue.
func (t *Table) remove(f *Flow) int32 {
	self := t.slot(f)
	prev := t.lru[self].prev
	pair := [2]int32{self, t.lru[self].opp}
	for _, i := range pair {
		if i < 0 {
			continue
		}
		g := t.node(i)
		if g.State.Status&datapath.StatFragPending != 0 {
			delete(t.frags, FragKey(&g.Key, g.State.FragId))
			t.c.GlobalStatus |= datapath.StatFragPending
			t.c.FragPendingExpired++
		}
		t.erase(t.lru[i].hash, i)
		t.unlink(i)
		if prev == i {
			prev = t.lru[i].prev
		}
		t.free = append(t.free, i)
		t.lru[i].opp = -1
		t.live--
	}
	return prev
}
