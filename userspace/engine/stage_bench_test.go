package engine

import (
	"bytes"
	"io"
	"sync"
	"testing"

	"github.com/flowtap/flowtap/plugins"
	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/capgen"
	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/geo"
)

// stageInput is a generated capture read and parsed once, in batches as
// Run's reading goroutine hands them to the flow goroutine.
type stageInput struct {
	raw     []byte
	batches []*parsedBatch
	packets int
}

var (
	stageOnce sync.Once
	stageIn   stageInput
	stageErr  error
)

// loadStageInput generates make bench's traffic shape at half its size
// (1,000,000 packets, 50,000 connections): large enough that the flows do
// not fit the caches, as in the real run.
func loadStageInput(b *testing.B) *stageInput {
	stageOnce.Do(func() {
		var buf bytes.Buffer
		cfg := capgen.DefaultBenchConfig()
		cfg.Packets, cfg.Connections = 1_000_000, 50_000
		if _, stageErr = capgen.WriteBench(&buf, cfg); stageErr != nil {
			return
		}
		in := &stageIn
		in.raw = buf.Bytes()
		rd, err := capture.NewReader(bytes.NewReader(in.raw), "bench", int64(len(in.raw)))
		if err != nil {
			stageErr = err
			return
		}
		for {
			pb := &parsedBatch{}
			n, err := rd.NextBatch(pb.pkts[:])
			for i := range n {
				p := &pb.pkts[i]
				// The reader's buffer is reused: keep the bytes.
				p.Data = append([]byte(nil), p.Data...)
				datapath.Parse(&pb.metas[i], p.Data, p.OrigLen, p.LinkType)
			}
			pb.n = n
			in.packets += n
			in.batches = append(in.batches, pb)
			if err == io.EOF {
				return
			}
			if err != nil {
				stageErr = err
				return
			}
		}
	})
	if stageErr != nil {
		b.Fatal(stageErr)
	}
	return &stageIn
}

func newStageEngine(b *testing.B) (*Engine, *plugins.Set) {
	set := plugins.New(api.Options{TCPWinThres: 1, TCPWinMinPkts: 30, Geo: geo.NewBuiltin()}, b.TempDir()+"/x", false)
	eng := New(Config{Datapath: datapath.Config{FlowTimeoutNs: 182e9, TCPWinThres: 1, PDEq: true, PDOpp: true}, Capacity: 262144}, set, &discard{}, nil)
	return eng, set
}

type discard struct{}

func (discard) WriteLine([]byte) error { return nil }

// flowStage runs what Run's flow goroutine does for every batch.
func (e *Engine) flowStage(in *stageInput) {
	for _, pb := range in.batches {
		for i := range pb.n {
			pb.hashes[i] = e.table.Hash(&pb.metas[i].Key)
		}
		e.runBatch(pb)
	}
}

// BenchmarkFlowStage is the flow goroutine's work alone (prefetch, expiry,
// lookup or creation, update, accounting) on one core, without the
// reading goroutine or the flush; ns/pkt is per packet. Machines are
// noisy: compare builds in one invocation.
func BenchmarkFlowStage(b *testing.B) {
	in := loadStageInput(b)
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		eng, set := newStageEngine(b)
		b.StartTimer()
		eng.flowStage(in)
		b.StopTimer()
		if err := eng.Finish(); err != nil {
			b.Fatal(err)
		}
		set.Pcapd.Close(1, 65535)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(in.packets), "ns/pkt")
}

// BenchmarkFlush is the end-of-file flush of every live flow (50,000
// connections, 100,000 flow lines): the LRU walk, the formatting workers
// and the ordered commit; ns/line is per flow line.
func BenchmarkFlush(b *testing.B) {
	in := loadStageInput(b)
	var lines uint64
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		eng, set := newStageEngine(b)
		eng.flowStage(in)
		b.StartTimer()
		if err := eng.Finish(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		lines = eng.Stats().FlowLines
		set.Pcapd.Close(1, 65535)
		b.StartTimer()
	}
	if lines == 0 {
		b.Fatal("no flow lines written")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(lines), "ns/line")
}
