package flowtable

import "github.com/flowtap/flowtap/userspace/datapath"

// Resolved is the flow a packet belongs to.
type Resolved struct {
	Flow *Flow
	New  bool // the packet created the flow
	// Fragment is set for packets T2 counts as fragments: first
	// fragments, fragments matched to their datagram, headless ones.
	Fragment bool
}

// Resolve finds or creates the flow of packet m, whose key hashes to h
// (Hash), applying T2's order: a non-first fragment is matched to its
// datagram's flow through the fragment table (without refreshing its LRU
// position); otherwise the flow is looked up and refreshed, or created;
// then the fragment bookkeeping runs. After datapath.Update, call Seen.
func (t *Table) Resolve(m *datapath.Meta, tsNs uint64, h uint32, cfg *datapath.Config, emit Emit) Resolved {
	headless := false
	if m.FragLater {
		if f := t.LookupFragment(m); f != nil {
			return Resolved{Flow: f, Fragment: true}
		}
		headless = true
	}
	r := Resolved{Flow: t.LookupHashed(&m.Key, h)}
	if r.Flow == nil {
		r.Flow, r.New = t.createHashed(m, h, tsNs, cfg, emit), true
	} else {
		t.Touch(r.Flow)
	}
	if !m.L2Flow {
		r.Fragment = m.FragFirst || headless
		t.TrackFragments(r.Flow, m, headless)
	}
	return r
}
