package flowtable

import "github.com/flowtap/flowtap/userspace/datapath"

// fragKey is the fragment-table key: the flow key with the ports replaced
// by the datagram's fragment ID (T2 shares the two fields in a union).
func fragKey(k *Key, id uint32) Key {
	r := *k
	r.SrcPort, r.DstPort = uint16(id>>16), uint16(id)
	return r
}

// LookupFragment returns the flow that owns the datagram of a non-first
// fragment m, or nil when its first fragment was not seen. The last
// fragment (MF clear) ends the datagram. T2 does not refresh the LRU
// position for these packets, and neither does this table.
func (t *Table) LookupFragment(m *datapath.Meta) *Flow {
	fk := fragKey(&m.Key, m.FragID)
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

// TrackFragments applies T2's fragment bookkeeping to flow f for packet m
// after lookup or creation: a first fragment (or a fragment whose head was
// missing) registers the datagram and marks the flow pending; any other
// packet of a pending flow is a fragmentation error.
func (t *Table) TrackFragments(f *Flow, m *datapath.Meta, headless bool) {
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
	fk := fragKey(&f.Key, m.FragID)
	if st.Status&datapath.StatFragPending != 0 {
		old := fragKey(&f.Key, st.FragId)
		if _, ok := t.frags[old]; !ok || st.FragId != m.FragID {
			st.Status |= datapath.StatFragErr
		}
		delete(t.frags, old)
	} else if j, ok := t.frags[fk]; ok {
		// Another flow held the same datagram key: it loses the datagram.
		t.node(j).State.Status &^= datapath.StatFragPending
	}
	t.frags[fk] = f.self
	st.FragId = m.FragID
	st.Status |= datapath.StatFragPending
}
