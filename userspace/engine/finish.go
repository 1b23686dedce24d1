package engine

import (
	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/bitdesc"
)

// Finish writes every remaining flow (T2's end-of-file flush in LRU
// order) and returns the first output error met during the run.
func (e *Engine) Finish() error {
	for _, k := range e.toRemove {
		if f := e.table.Lookup(&k); f != nil {
			e.table.RemoveNow(f, e.emit)
		}
	}
	e.toRemove = nil
	// No slot is reused from here on, so the writer may read the flows in
	// place until closeWriter returns.
	e.flushing = true
	e.table.Flush(e.emit)
	e.closeWriter()
	return e.err
}

// Stats returns the run's counters with the flow table's figures and the
// plugins' report lines filled in; call it after Finish.
func (e *Engine) Stats() *Stats {
	s := &e.stats
	c := e.table.Counters()
	s.AFlows, s.BFlows = c.AFlows, c.BFlows
	s.L2Flows, s.IPv4Flows, s.IPv6Flows = c.L2, c.IPv4, c.IPv6
	s.CorrReplFlows = c.CorrReplFlows
	s.MaxFlowsInMemory = c.MaxLive
	s.FlowTableSize = uint64(e.table.Capacity())
	s.AutopilotFlows = c.Evicted
	s.Global |= c.GlobalStatus
	s.FlowStat = s.Global &^ 1
	t := api.Totals{Packets: s.Packets, FlowBytes: s.ABytes + s.BBytes, LowWin: s.LowWinPkts}
	s.PluginLines = s.PluginLines[:0]
	for _, p := range e.set.List {
		s.PluginLines = append(s.PluginLines, p.Report(t)...)
	}
	s.DecodeLines = bitdesc.ReportLines(s.FlowStat)
	return s
}
