package engine

import (
	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/export"
	"github.com/flowtap/flowtap/userspace/flowtable"
)

// emit writes an ended flow: a as 'A', then b (if any) as 'B'.
func (e *Engine) emit(a, b *flowtable.Flow) {
	var bs, as *flowtable.Flow
	as, bs = a, b
	e.writeFlow(as, bs, 'A')
	if bs != nil {
		e.writeFlow(bs, as, 'B')
	}
}

// writeFlow formats one direction through every plugin (T2 printFlow).
func (e *Engine) writeFlow(f, opp *flowtable.Flow, dir byte) {
	fl := &e.flow
	*fl = api.Flow{Dir: dir, Key: &f.Key, State: &f.State}
	if opp != nil {
		fl.Opp = &opp.State
	}
	b := e.line[:0]
	b = append(b, dir, '\t')
	b = export.AppendUint(b, f.State.FlowInd)
	for _, p := range e.set.List {
		b = p.AppendColumns(b, fl)
	}
	e.line = b
	s := &e.stats
	if fl.AlarmCalled {
		s.Alarms += fl.Alarms
		s.AlarmFlows++
	}
	if e.cfg.AlarmMode && fl.Alarms == 0 {
		s.Suppressed++
		return
	}
	s.FlowLines++
	if err := e.out.WriteLine(b); err != nil && e.err == nil {
		e.err = err
	}
}
