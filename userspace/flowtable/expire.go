package flowtable

import "github.com/flowtap/flowtap/userspace/datapath"

// Expire writes and removes every flow pair that has timed out at capture
// time nowNs, walking T2's LRU list from each timeout sentinel (biggest
// timeout first) towards newer flows and stopping at the first flow too
// young for that sentinel. A flow goes only when its opposite has timed
// out too (section 3). Cost is proportional to the flows inspected.
func (t *Table) Expire(nowNs uint64, emit Emit) {
	for _, s := range t.sentinel {
		t.cycle(s, nowNs, emit)
	}
}

func age(now, last uint64) uint64 {
	if now < last {
		return 0 // time went backwards: nothing is older than before
	}
	return now - last
}

func (t *Table) cycle(s int32, now uint64, emit Emit) {
	to := t.node(s).timeout
	i := t.node(s).prev
	for i != head {
		f := t.node(i)
		if f.sentinel {
			i = f.prev
			continue
		}
		a := age(now, f.State.LastNs)
		if a < to {
			break
		}
		next := f.prev
		if a >= f.State.TimeoutNs {
			o := t.Opposite(f)
			if o == nil || age(now, o.State.LastNs) >= o.State.TimeoutNs {
				t.print(f, emit)
				next = t.remove(f)
			}
		}
		i = next
	}
	if i == t.node(s).prev {
		return
	}
	// Park the sentinel right behind the last flow inspected.
	t.unlink(s)
	t.linkAfter(s, i)
}

// Flush writes and removes every remaining flow, least recently active
// first; a pair goes when the first of its directions is reached (EOF).
func (t *Table) Flush(emit Emit) {
	i := t.node(tail).prev
	for i != head {
		f := t.node(i)
		if f.sentinel {
			i = f.prev
			continue
		}
		t.print(f, emit)
		i = t.remove(f)
	}
}

// RemoveNow writes and removes f and its opposite (force mode).
func (t *Table) RemoveNow(f *Flow, emit Emit) {
	if t.live == 0 || t.index[f.Key] != f.self {
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
	prev := f.prev
	pair := [2]*Flow{f, t.Opposite(f)}
	for _, g := range pair {
		if g == nil {
			continue
		}
		if g.State.Status&datapath.StatFragPending != 0 {
			delete(t.frags, fragKey(&g.Key, g.State.FragId))
			t.c.GlobalStatus |= datapath.StatFragPending
			t.c.FragPendingExpired++
		}
		delete(t.index, g.Key)
		t.unlink(g.self)
		if prev == g.self {
			prev = g.prev
		}
		t.free = append(t.free, g.self)
		g.opp = -1
		t.live--
	}
	return prev
}
