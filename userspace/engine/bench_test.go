package engine_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/flowtap/flowtap/plugins"
	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/capgen"
	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/engine"
	"github.com/flowtap/flowtap/userspace/geo"
)

type discardLines struct{ n int }

func (d *discardLines) WriteLine(b []byte) error { d.n += len(b); return nil }

// BenchmarkEngineRun measures the whole offline path (read, parse, flow
// table, update, flow formatting) on a generated capture held in memory;
// ns/op is per packet.
func BenchmarkEngineRun(b *testing.B) {
	var buf bytes.Buffer
	cfg := capgen.DefaultBenchConfig()
	cfg.Packets, cfg.Connections = 200_000, 10_000
	if _, err := capgen.WriteBench(&buf, cfg); err != nil {
		b.Fatal(err)
	}
	raw := buf.Bytes()
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		rd, err := capture.NewReader(bytes.NewReader(raw), "bench", int64(len(raw)))
		if err != nil {
			b.Fatal(err)
		}
		set := plugins.New(api.Options{TCPWinThres: 1, TCPWinMinPkts: 30, Geo: geo.NewBuiltin()}, b.TempDir()+"/x", false)
		out := &discardLines{}
		eng := engine.New(engine.Config{Datapath: datapath.Config{FlowTimeoutNs: 182e9, TCPWinThres: 1, PDEq: true}, Capacity: 262144}, set, out, nil)
		b.StartTimer()
		if err := eng.Run(context.Background(), rd); err != nil {
			b.Fatal(err)
		}
		if err := eng.Finish(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		set.Pcapd.Close(1, 65535)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(cfg.Packets), "ns/pkt")
}
