package basicstats

import (
	"math/rand/v2"
	"testing"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/datapath"
)

// benchFlows returns n flow directions shaped like make bench's: pairs
// of TCP directions of 1 to 40 packets with sizes up to 1400 bytes,
// spreads and gaps of milliseconds; one in sixteen is a singleton.
func benchFlows(n int) []api.Flow {
	rng := rand.New(rand.NewPCG(13, 14))
	states := make([]datapath.State, n)
	flows := make([]api.Flow, n)
	k := &gen.FlowtapFlowKey{EthType: 0x0800, L4Proto: 6}
	for i := range states {
		st := &states[i]
		st.Status = datapath.StatIPv4 | uint64(i&1)
		st.Pkts = 1 + rng.Uint64N(40)
		st.MinL7 = uint16(rng.UintN(100))
		st.MaxL7 = st.MinL7 + uint16(rng.UintN(1300))
		st.L7Bytes = st.Pkts * uint64(st.MinL7+st.MaxL7) / 2
		st.L7VarLo = rng.Uint64N(1<<62) >> rng.UintN(20)
		st.IatVarLo = rng.Uint64()
		st.IatVarHi = rng.Uint64N(3)
		st.FirstNs = 1709294400_000000000 + rng.Uint64N(400_000_000)
		st.LastNs = st.FirstNs + rng.Uint64N(300_000_000)
		st.MaxIatNs = int64(rng.Uint64N(100_000_000))
		if st.Pkts == 1 {
			st.LastNs, st.MaxIatNs, st.IatVarLo, st.IatVarHi, st.L7VarLo = st.FirstNs, 0, 0, 0, 0
		}
		flows[i] = api.Flow{Dir: 'A' + byte(i&1), Key: k, State: st}
	}
	for i := 0; i+1 < n; i += 2 {
		if i%16 != 0 {
			flows[i].Opp, flows[i+1].Opp = flows[i+1].State, flows[i].State
		}
	}
	return flows
}

// BenchmarkAppendColumns formats basicStats' columns of a mix of flows;
// ns/op is per flow line.
func BenchmarkAppendColumns(b *testing.B) {
	flows := benchFlows(4096)
	p := New(nil)
	buf := make([]byte, 0, 1024)
	for i := 0; b.Loop(); i++ {
		buf = p.AppendColumns(buf[:0], &flows[i%len(flows)])
	}
}
