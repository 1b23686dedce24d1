package engine

import (
	"runtime"
	"sync"

	"github.com/flowtap/flowtap/plugins"
	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/export"
	"github.com/flowtap/flowtap/userspace/flowtable"
)

// ended is a flow pair on its way out: a is written as A, b (if not nil)
// as B. While packets are still processed they point at copies in the
// job (the table reuses the slots at once); at end of file, when no slot
// is reused any more, they point into the table and nothing is copied.
type ended struct {
	a, b *flowtable.Flow
}

const batchSize = 256

// flushAhead is how many flow pairs ahead the formatting workers prefetch
// (at end of file the flows are read in place, in LRU order, from all
// over the table).
const flushAhead = 4

// job is a batch of ended flows on its way to the flows file: formatted
// by any worker, then observed and written in order.
type job struct {
	flows []ended
	store []flowtable.Flow // copies of flows ended during processing
	text  []byte           // formatted lines, back to back
	ends  []int            // end offset of each line in text
	done  chan struct{}
}

// writer turns ended flows into flow lines. Formatting (AppendColumns,
// stateless) runs on several workers; the plugins' Observe calls, alarm
// counting, ALARM_MODE suppression and the writes run on one goroutine in
// the order the flows ended, so the output is the same as T2's printFlow
// sequence. At end of file this keeps both cores busy with the flush.
type writer struct {
	set       *plugins.Set
	out       LineWriter
	alarmMode bool
	work      chan *job
	order     chan *job
	free      chan *job
	wg        sync.WaitGroup
	done      chan struct{}
	// Results, read after done is closed.
	alarms, alarmFlows, lines, suppressed uint64
	err                                   error
}

func newWriter(set *plugins.Set, out LineWriter, alarmMode bool) *writer {
	w := &writer{
		set: set, out: out, alarmMode: alarmMode,
		work:  make(chan *job, 2),
		order: make(chan *job, 4),
		free:  make(chan *job, 8),
		done:  make(chan struct{}),
	}
	n := max(1, runtime.GOMAXPROCS(0))
	w.wg.Add(n)
	for range n {
		go w.format()
	}
	go w.commit()
	return w
}

// format fills jobs' text; it touches no plugin state.
func (w *writer) format() {
	defer w.wg.Done()
	var fl api.Flow
	for j := range w.work {
		j.text, j.ends = j.text[:0], j.ends[:0]
		for i := range j.flows {
			if k := i + flushAhead; k < len(j.flows) {
				flowtable.PrefetchWhole(j.flows[k].a)
				flowtable.PrefetchWhole(j.flows[k].b)
			}
			e := &j.flows[i]
			if e.b != nil {
				j.text = w.formatFlow(j, &fl, &e.a.Key, &e.a.State, &e.b.State, 'A')
				j.text = w.formatFlow(j, &fl, &e.b.Key, &e.b.State, &e.a.State, 'B')
			} else {
				j.text = w.formatFlow(j, &fl, &e.a.Key, &e.a.State, nil, 'A')
			}
		}
		close(j.done)
	}
}

func (w *writer) formatFlow(j *job, fl *api.Flow, k *flowtable.Key, st, opp *datapath.State, dir byte) []byte {
	*fl = api.Flow{Dir: dir, Key: k, State: st, Opp: opp}
	b := append(j.text, dir, '\t')
	b = export.AppendUint(b, st.FlowInd)
	for _, p := range w.set.List {
		b = p.AppendColumns(b, fl)
	}
	j.ends = append(j.ends, len(b))
	return b
}

// commit observes and writes jobs in order (T2 printFlow after the
// plugins' onFlowTerminate).
func (w *writer) commit() {
	defer close(w.done)
	var fl api.Flow
	for j := range w.order {
		<-j.done
		line := 0
		for i := range j.flows {
			e := &j.flows[i]
			if e.b != nil {
				w.commitFlow(&fl, j, &line, &e.a.Key, &e.a.State, &e.b.State, 'A')
				w.commitFlow(&fl, j, &line, &e.b.Key, &e.b.State, &e.a.State, 'B')
			} else {
				w.commitFlow(&fl, j, &line, &e.a.Key, &e.a.State, nil, 'A')
			}
		}
		j.flows, j.store = j.flows[:0], j.store[:0]
		select {
		case w.free <- j:
		default:
		}
	}
}

func (w *writer) commitFlow(fl *api.Flow, j *job, line *int, k *flowtable.Key, st, opp *datapath.State, dir byte) {
	*fl = api.Flow{Dir: dir, Key: k, State: st, Opp: opp}
	for _, p := range w.set.List {
		p.Observe(fl)
	}
	start := 0
	if *line > 0 {
		start = j.ends[*line-1]
	}
	text := j.text[start:j.ends[*line]]
	*line++
	if fl.AlarmCalled {
		w.alarms += fl.Alarms
		w.alarmFlows++
	}
	if w.alarmMode && fl.Alarms == 0 {
		w.suppressed++
		return
	}
	w.lines++
	if err := w.out.WriteLine(text); err != nil && w.err == nil {
		w.err = err
	}
}

// emit queues an ended flow pair: a as 'A', then b (if any) as 'B'.
func (e *Engine) emit(a, b *flowtable.Flow) {
	if e.stage != nil {
		e.stage.Ending(a, b)
	}
	if e.job == nil {
		select {
		case e.job = <-e.w.free:
		default:
			e.job = &job{flows: make([]ended, 0, batchSize), store: make([]flowtable.Flow, 0, 2*batchSize)}
		}
		e.job.done = make(chan struct{})
	}
	j := e.job
	if !e.flushing {
		a = keep(j, a)
		if b != nil {
			b = keep(j, b)
		}
	}
	j.flows = append(j.flows, ended{a: a, b: b})
	if len(j.flows) == batchSize {
		e.dispatch()
	}
}

// keep copies f into the job's store; the store never grows past its
// capacity (two flows per pair), so the pointers stay valid.
func keep(j *job, f *flowtable.Flow) *flowtable.Flow {
	j.store = append(j.store, *f)
	return &j.store[len(j.store)-1]
}

// dispatch hands the current job to a formatter and to the committer.
func (e *Engine) dispatch() {
	e.w.order <- e.job
	e.w.work <- e.job
	e.job = nil
}

// closeWriter hands over the last job and waits for the writer.
func (e *Engine) closeWriter() {
	if e.job != nil && len(e.job.flows) > 0 {
		e.dispatch()
	}
	close(e.w.work)
	close(e.w.order)
	<-e.w.done
	e.w.wg.Wait()
	s := &e.stats
	s.Alarms, s.AlarmFlows = e.w.alarms, e.w.alarmFlows
	s.FlowLines, s.Suppressed = e.w.lines, e.w.suppressed
	if e.err == nil {
		e.err = e.w.err
	}
}
