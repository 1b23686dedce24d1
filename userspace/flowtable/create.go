package flowtable

import "github.com/flowtap/flowtap/userspace/datapath"

// Create inserts a new flow direction for packet m (key m.Key) and links
// it with its opposite (t2-semantics.md section 2). When the table is
// full, the least recently used pair is written with RMFLOW_HFULL and
// removed first, as T2's hash autopilot does. The caller then runs
// datapath.Update with isNew set.
func (t *Table) Create(m *datapath.Meta, tsNs uint64, cfg *datapath.Config, emit Emit) *Flow {
	return t.createHashed(m, t.idx.hash(&m.Key), tsNs, cfg, emit)
}

// createHashed is Create with m.Key's hash h already computed (Resolve's
// caller hashed it on the reading goroutine).
func (t *Table) createHashed(m *datapath.Meta, h uint32, tsNs uint64, cfg *datapath.Config, emit Emit) *Flow {
	if t.live >= t.capacity {
		t.evictOldest(emit)
	}
	i := t.alloc()
	f := t.node(i)
	f.Key = m.Key
	datapath.InitFlow(&f.State, m, tsNs, cfg)
	t.insert(h, i)
	t.linkAfter(i, head)
	l := &t.lru[i]
	l.last, l.timeout, l.opp, l.hash = tsNs, f.State.TimeoutNs, -1, h
	t.live++
	if uint64(t.live) > t.c.MaxLive {
		t.c.MaxLive = uint64(t.live)
	}
	switch {
	case m.L2Flow:
		t.c.L2++
	case m.L3 == datapath.L3IPv6:
		t.c.IPv6++
	default:
		t.c.IPv4++
	}
	rk := reverseKey(&f.Key, m.L2Flow)
	ri := t.find(&rk, t.idx.hash(&rk))
	found := ri >= 0
	switch {
	case found && ri == i:
		// A key equal to its own reverse is a new conversation (LAND).
		if m.L4Proto == datapath.ProtoTCP && !m.L2Flow {
			f.State.Status |= datapath.StatLandAttack
		}
		t.newConversation(f)
	case found:
		r := t.node(ri)
		t.lru[ri].opp, l.opp = i, ri
		f.State.FlowInd = r.State.FlowInd
		t.c.BFlows++
		if r.State.Status&datapath.StatInvert == 0 {
			f.State.Status |= datapath.StatInvert
		}
	default:
		t.newConversation(f)
		if !m.L2Flow && initiatedByPeer(m) {
			f.State.Status |= datapath.StatInvert
		}
	}
	return f
}

func (t *Table) newConversation(f *Flow) {
	t.flowInd++
	f.State.FlowInd = t.flowInd
	t.c.AFlows++
}

// initiatedByPeer is T2's A/B heuristic for a flow without opposite: a
// low source port below the peer's, a source port 8080/8081/8088/8089,
// or a SYN/ACK.
func initiatedByPeer(m *datapath.Meta) bool {
	sp, dp := m.Key.SrcPort, m.Key.DstPort
	if sp < 1024 && sp < dp {
		return true
	}
	if sp&0xfff6 == 8080 {
		return true
	}
	return m.L4Proto == datapath.ProtoTCP && m.TCPValid && m.TCPFlags&0x12 == 0x12
}

// reverseKey swaps the endpoints of k: IPs and ports, or MACs for L2 flows.
func reverseKey(k *Key, l2 bool) Key {
	r := *k
	r.SrcIp, r.DstIp = k.DstIp, k.SrcIp
	r.SrcPort, r.DstPort = k.DstPort, k.SrcPort
	if l2 {
		r.EthSrc, r.EthDst = k.EthDst, k.EthSrc
	}
	return r
}

// evictOldest writes and removes the least recently used flow (and its
// opposite) with RMFLOW_HFULL.
func (t *Table) evictOldest(emit Emit) {
	for i := t.lru[tail].prev; i != head; i = t.lru[i].prev {
		if i < t.nMarkers {
			continue
		}
		f := t.node(i)
		f.State.Status |= datapath.StatRmFlowHFull
		t.c.GlobalStatus |= datapath.StatRmFlowHFull
		t.c.Evicted++
		t.print(f, emit)
		t.remove(f)
		return
	}
}
