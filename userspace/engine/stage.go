package engine

import (
	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/flowtable"
)

// Stage takes the place of the Go flow stage (flowtable.Resolve and
// datapath.Update) for each packet: the bpf engine's kernel program is
// one. The engine keeps everything else, in T2's order and on its own
// flow table: force-mode removal, expiry, eviction, the flush, the
// per-packet counters, the flows file and the end report. A Stage keeps
// that table in step with where the flow state really lives: it creates
// and refreshes the flows a packet touched as T2 would, and keeps their
// State current.
type Stage interface {
	// Packet applies a non-empty packet to its flow after expiry. m is
	// the Go parse of pkt and h the table hash of m.Key. It creates flows
	// with t.Create (which hands a full table's least recently used pair
	// to emit first) and refreshes them with t.Touch as T2 does (not for
	// later fragments found through the fragment table); the engine calls
	// t.Seen afterwards.
	Packet(t *flowtable.Table, pkt *capture.Packet, m *datapath.Meta, h uint32, emit flowtable.Emit) Outcome
	// Ending is called for each flow pair the table ends (expiry,
	// eviction, force mode, flush), before it is written: a and b (nil
	// for a flow without opposite) must then hold their final state.
	Ending(a, b *flowtable.Flow)
}

// Outcome is what a Stage did with one packet.
type Outcome struct {
	// Flow is the flow the packet updated, nil for a packet without flow.
	Flow *flowtable.Flow
	// Fragment is set for packets T2 counts as fragments (first ones,
	// later ones matched to their datagram, headless ones).
	Fragment bool
	// IATNs is the time since the flow's previous packet (packet mode).
	IATNs int64
	// Global holds flowStat bits for the global register only (T2 sets
	// them there for a later fragment without its first one).
	Global uint64
	// Result is what the update asked for (pcapd, force mode, tcpWin).
	Result datapath.Result
	// Extract is the packet pcapd writes when Result.Dump is set: pkt, or
	// the copy the kernel made of it; nil when the copy was lost.
	Extract *capture.Packet
}

// SetStage makes s the engine's flow stage. Call it before the first
// packet.
func (e *Engine) SetStage(s Stage) { e.stage = s }

// stagePacket runs the flow stage and the accounting after it for one
// parsed, non-empty packet: the tail of packet, with the flow work done by
// e.stage; both share account.
func (e *Engine) stagePacket(pkt *capture.Packet, m *datapath.Meta, h uint32) {
	s := &e.stats
	o := e.stage.Packet(e.table, pkt, m, h, e.emit)
	s.Global |= o.Global
	f := o.Flow
	if f == nil {
		s.NoFlow++
		s.Global |= m.Status
		e.writePacketLine(pkt, m, nil, 0)
		return
	}
	if o.Fragment {
		e.countFrag(m)
	}
	e.table.Seen(f)
	e.account(pkt, m, f, &o.Result, o.Extract, o.IATNs)
}
