package flowtable

import "github.com/flowtap/flowtap/userspace/datapath"

// FragKey is the fragment-table key of datagram id in flow k: the flow
// key with the ports replaced by the fragment ID (T2 shares the two
// fields in a union; bpf/flow.h frag_key does the same).
func FragKey(k *Key, id uint32) Key {
	r := *k
	r.SrcPort, r.DstPort = uint16(id>>16), uint16(id)
	return r
}

// LookupFragment returns the flow that owns the datagram of a non-first
// fragment m, or nil when its first fragment was not seen. The last
// fragment (MF clear) ends the datagram. T2 does not refresh the LRU
// position for these packets, and neither does this table.
func (t *Table) LookupFragment(m *datapath.Meta) *Flow {
	fk := FragKey(&m.Key, m.FragID)
	i, ok := t.frags[fk]
	if !ok {
		t.c.FragHeadMissing++
		t.c.GlobalStatus |= datapath.StatFrag | datapath.StatFragHdSeqErr
		return nil
	}
	f := t.node(i)
	m.ViaFragTable = true
	if !m.FragMore {
		delete(t.frags, fk)
		f.State.Status &^= datapath.StatFragPending
	}
	return f
}

// FragIndex is a fragment table: which flow holds which datagram, keyed
// by the flow key with the ports replaced by the fragment ID. The table's
// own map is one; the XDP program's fragment map (bpf/flow.h) is another.
type FragIndex interface {
	// Remove deletes key fk and reports whether it was there.
	Remove(fk *Key) bool
	// Release makes the flow holding fk, if any, lose the datagram (its
	// FRAG_PENDING bit is cleared); f is the flow about to take it.
	Release(fk *Key, f *Flow)
	// Put records f as the holder of fk.
	Put(fk *Key, f *Flow)
}

// TrackFragments applies T2's fragment bookkeeping to flow f for packet m
// after lookup or creation: a first fragment (or a fragment whose head was
// missing) registers the datagram and marks the flow pending; any other
// packet of a pending flow is a fragmentation error.
func (t *Table) TrackFragments(f *Flow, m *datapath.Meta, headless bool) {
	TrackFragmentsIn((*tableFrags)(t), f, m, headless)
}

// TrackFragmentsIn is TrackFragments with x as the fragment table.
func TrackFragmentsIn(x FragIndex, f *Flow, m *datapath.Meta, headless bool) {
	st := &f.State
	if !m.FragFirst && !headless {
		if st.Status&datapath.StatFragPending != 0 {
			st.Status |= datapath.StatFragErr
		}
		return
	}
	if headless {
		st.Status |= datapath.StatFragHdSeqErr
	}
	st.Status |= datapath.StatFrag
	fk := FragKey(&f.Key, m.FragID)
	if st.Status&datapath.StatFragPending != 0 {
		old := FragKey(&f.Key, st.FragId)
		if !x.Remove(&old) || st.FragId != m.FragID {
			st.Status |= datapath.StatFragErr
		}
	} else {
		// Another flow held the same datagram key: it loses the datagram.
		x.Release(&fk, f)
	}
	x.Put(&fk, f)
	st.FragId = m.FragID
	st.Status |= datapath.StatFragPending
}

// tableFrags is the table's own fragment map as a FragIndex.
type tableFrags Table

func (x *tableFrags) Remove(fk *Key) bool {
	_, ok := x.frags[*fk]
	delete(x.frags, *fk)
	return ok
}

func (x *tableFrags) Release(fk *Key, _ *Flow) {
	if j, ok := x.frags[*fk]; ok {
		(*Table)(x).node(j).State.Status &^= datapath.StatFragPending
	}
}

func (x *tableFrags) Put(fk *Key, f *Flow) { x.frags[*fk] = (*Table)(x).slot(f) }
