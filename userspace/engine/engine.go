package engine

import (
	"github.com/flowtap/flowtap/plugins"
	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/flowtable"
	"github.com/flowtap/flowtap/userspace/report"
)

// Config selects the engine's behaviour.
type Config struct {
	Datapath  datapath.Config
	Capacity  int  // flow table size in directions (T2: 262144)
	AlarmMode bool // ALARM_MODE: write only directions that reported alarms
}

// LineWriter receives finished flow lines.
type LineWriter interface {
	WriteLine(line []byte) error
}

// Engine processes packets. It is not safe for concurrent use.
type Engine struct {
	cfg      Config
	table    *flowtable.Table
	set      *plugins.Set
	w        *writer       // formats and writes ended flows on its goroutines
	job      *job          // ended flows not yet handed to w
	flushing bool          // end of file: ended flows are handed over without copies
	pkts     PacketWriter  // -s packet mode, may be nil
	meta     datapath.Meta // Packet's parse result
	prefetch uint64        // sink for Table.PrefetchFlow results
	line     []byte
	toRemove []flowtable.Key // force mode: removed before the next packet
	stage    Stage           // nil: the Go flow stage below (--engine go)
	stats    Stats
	snaplen  uint32
	err      error // first output error; processing goes on, Finish returns it
}

// Stats are the run's counters for the end report.
type Stats struct {
	report.Summary
	Global     uint64 // aggregated flowStat
	NoFlow     uint64
	LowWinPkts uint64
	FlowLines  uint64
	Suppressed uint64 // ALARM_MODE lines not written
	Anomalies  Anomalies
	firstSeen  bool
}

// New returns an engine writing flow lines to out. It starts a writer
// goroutine: call Finish exactly once to end it.
func New(cfg Config, set *plugins.Set, out LineWriter, pkts PacketWriter) *Engine {
	timeouts := append([]uint64{cfg.Datapath.FlowTimeoutNs}, datapath.Timeouts[:]...)
	return &Engine{
		cfg:   cfg,
		table: flowtable.New(cfg.Capacity, timeouts),
		set:   set,
		w:     newWriter(set, out, cfg.AlarmMode),
		pkts:  pkts,
		line:  make([]byte, 0, 1024),
	}
}

// SetSnaplen records the input's snap length for pcapd's output file.
func (e *Engine) SetSnaplen(s uint32) { e.snaplen = s }

// MaxBatch is the largest batch of packets read and parsed ahead: large
// enough that handing batches between goroutines costs little.
const MaxBatch = 256

// Packet processes one captured packet (T2 perPacketCallback).
func (e *Engine) Packet(pkt *capture.Packet) {
	m := &e.meta
	datapath.Parse(m, pkt.Data, pkt.OrigLen, pkt.LinkType)
	e.packet(pkt, m, e.table.Hash(&m.Key), false)
}

// packet runs T2's steps for one parsed packet; h is the hash of m.Key.
// counted says the reading goroutine already ran countPacket on it.
func (e *Engine) packet(pkt *capture.Packet, m *datapath.Meta, h uint32, counted bool) {
	ts := uint64(pkt.TsNs)
	s := &e.stats
	s.Packets++
	s.RawBytes += uint64(pkt.OrigLen)
	if !s.firstSeen {
		s.firstSeen = true
		s.FirstPacketNs = pkt.TsNs
	}
	s.LastPacketNs = pkt.TsNs
	for _, k := range e.toRemove {
		if f := e.table.Lookup(&k); f != nil {
			e.table.RemoveNow(f, e.emit)
		}
	}
	e.toRemove = e.toRemove[:0]
	e.table.Expire(ts, e.emit)
	if pkt.CapLen == 0 {
		s.Anomalies.EmptyRecord.note(pkt, func() string { return "caplen 0" })
		return // T2 skips empty records after counting them
	}
	s.Bytes += uint64(pkt.CapLen)
	if !counted {
		countPacket(&s.PacketCounts, m, pkt, s.Packets)
	}
	e.checkAnomalies(pkt, m)
	if e.stage != nil {
		e.stagePacket(pkt, m, h)
		return
	}
	if m.NoFlow {
		s.NoFlow++
		e.stats.Global |= m.Status
		e.writePacketLine(pkt, m, nil, 0)
		return
	}
	res := e.table.Resolve(m, ts, h, &e.cfg.Datapath, e.emit)
	f, isNew := res.Flow, res.New
	if res.Fragment {
		e.countFrag(m)
	}
	opp := e.table.Opposite(f)
	var oppState *datapath.State
	if opp != nil {
		oppState = &opp.State
	}
	iat := int64(ts - f.State.LastNs)
	r := datapath.Update(&f.State, oppState, m, ts, isNew, &e.cfg.Datapath)
	if r.OppState {
		e.table.Seen(f)
	} else {
		e.table.SeenSelf(f)
	}
	e.account(pkt, m, f, &r, pkt, iat)
}

// account does the work after a packet updated flow f, for both flow
// stages: the global flowStat register, tcpWin's counter, pcapd (extract
// is the packet to write, nil when its copy was lost), force mode, the
// A/B counters and packet mode.
func (e *Engine) account(pkt *capture.Packet, m *datapath.Meta, f *flowtable.Flow, r *datapath.Result, extract *capture.Packet, iat int64) {
	s := &e.stats
	// T2_SET_STATUS puts flow bits in the global register too; bit 0,
	// PENDING and HDOVRN are set on flows only.
	s.Global |= m.Status | f.State.Status&^(datapath.StatInvert|datapath.StatFragPending|datapath.StatHdrOverrun)
	if r.LowWin {
		s.LowWinPkts++
	}
	if r.Dump && extract != nil {
		if err := e.set.Pcapd.WritePacket(extract, e.snaplen); err != nil && e.err == nil {
			e.err = err
		}
	}
	if r.Remove {
		e.toRemove = append(e.toRemove, f.Key)
		s.ForcedFlows++
	}
	if f.State.Status&datapath.StatInvert != 0 {
		s.BPackets++
		s.BBytes += uint64(pkt.CapLen)
	} else {
		s.APackets++
		s.ABytes += uint64(pkt.CapLen)
	}
	e.writePacketLine(pkt, m, f, iat)
}

func (e *Engine) countFrag(m *datapath.Meta) {
	if m.L3 == datapath.L3IPv6 {
		e.stats.IPv6FragPackets++
	} else {
		e.stats.IPv4FragPackets++
	}
}
