package engine

import (
	"github.com/flowtap/flowtap/plugins"
	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/export"
	"github.com/flowtap/flowtap/userspace/flowtable"
)

// ended is a flow pair copied out of the table when it ends: a is written
// as A, b (if hasB) as B. Copies let the table reuse the slots at once
// while the writer goroutine formats.
type ended struct {
	keyA, keyB     flowtable.Key
	stateA, stateB datapath.State
	hasB           bool
}

const batchSize = 256

// writer formats ended flows through the plugins and writes the lines on
// its own goroutine, so that text formatting and file output overlap with
// packet processing (T2's printFlow, moved off the packet path). Only the
// writer goroutine touches the plugins' per-flow state and out.
type writer struct {
	set       *plugins.Set
	out       LineWriter
	alarmMode bool
	ch        chan []ended
	free      chan []ended
	done      chan struct{}
	line      []byte
	flow      api.Flow
	// Results, read after done is closed.
	alarms, alarmFlows, lines, suppressed uint64
	err                                   error
}

func newWriter(set *plugins.Set, out LineWriter, alarmMode bool) *writer {
	w := &writer{
		set: set, out: out, alarmMode: alarmMode,
		ch:   make(chan []ended, 4),
		free: make(chan []ended, 6),
		done: make(chan struct{}),
		line: make([]byte, 0, 1024),
	}
	go w.run()
	return w
}

func (w *writer) run() {
	defer close(w.done)
	for batch := range w.ch {
		for i := range batch {
			e := &batch[i]
			if e.hasB {
				w.writeFlow(&e.keyA, &e.stateA, &e.stateB, 'A')
				w.writeFlow(&e.keyB, &e.stateB, &e.stateA, 'B')
			} else {
				w.writeFlow(&e.keyA, &e.stateA, nil, 'A')
			}
		}
		select {
		case w.free <- batch[:0]:
		default:
		}
	}
}

// writeFlow formats one direction through every plugin (T2 printFlow).
func (w *writer) writeFlow(k *flowtable.Key, st, opp *datapath.State, dir byte) {
	fl := &w.flow
	*fl = api.Flow{Dir: dir, Key: k, State: st, Opp: opp}
	b := w.line[:0]
	b = append(b, dir, '\t')
	b = export.AppendUint(b, st.FlowInd)
	for _, p := range w.set.List {
		b = p.AppendColumns(b, fl)
	}
	w.line = b
	if fl.AlarmCalled {
		w.alarms += fl.Alarms
		w.alarmFlows++
	}
	if w.alarmMode && fl.Alarms == 0 {
		w.suppressed++
		return
	}
	w.lines++
	if err := w.out.WriteLine(b); err != nil && w.err == nil {
		w.err = err
	}
}

// emit queues an ended flow pair: a as 'A', then b (if any) as 'B'.
func (e *Engine) emit(a, b *flowtable.Flow) {
	if e.batch == nil {
		select {
		case e.batch = <-e.w.free:
		default:
			e.batch = make([]ended, 0, batchSize)
		}
	}
	e.batch = append(e.batch, ended{keyA: a.Key, stateA: a.State})
	r := &e.batch[len(e.batch)-1]
	if b != nil {
		r.keyB, r.stateB, r.hasB = b.Key, b.State, true
	}
	if len(e.batch) == batchSize {
		e.w.ch <- e.batch
		e.batch = nil
	}
}

// closeWriter hands over the last batch and waits for the writer.
func (e *Engine) closeWriter() {
	if e.batch != nil {
		e.w.ch <- e.batch
		e.batch = nil
	}
	close(e.w.ch)
	<-e.w.done
	s := &e.stats
	s.Alarms, s.AlarmFlows = e.w.alarms, e.w.alarmFlows
	s.FlowLines, s.Suppressed = e.w.lines, e.w.suppressed
	if e.err == nil {
		e.err = e.w.err
	}
}
