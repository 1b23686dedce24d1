package basicflow

import (
	"math/rand/v2"
	"testing"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/datapath"
)

// benchFlows returns n flow directions shaped like make bench's: IPv4
// TCP between private clients and TEST-NET/public servers, one MAC per
// side, epoch timestamps; one in eight is IPv6 and one in 32 carries a
// VLAN tag.
func benchFlows(n int) []api.Flow {
	rng := rand.New(rand.NewPCG(11, 12))
	flows := make([]api.Flow, n)
	for i := range flows {
		k := &gen.FlowtapFlowKey{EthType: 0x0800, SrcPort: uint16(1024 + rng.UintN(60000)), DstPort: 5002, L4Proto: 6}
		st := &datapath.State{
			Status:  datapath.StatIPv4 | datapath.StatIPv4Pkt | uint64(i&1),
			FirstNs: 1709294400_000000000 + rng.Uint64N(400_000_000),
			FlowInd: uint64(i / 2),
		}
		st.LastNs = st.FirstNs + rng.Uint64N(300_000_000)
		if i%8 == 7 {
			st.Status = datapath.StatIPv6 | uint64(i&1)
			k.EthType = 0x86dd
			k.SrcIp = [16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(rng.UintN(256)), 15: 1}
			k.DstIp = [16]byte{0xfe, 0x80, 15: byte(rng.UintN(256))}
		} else {
			k.SrcIp = [16]byte{10, 0, byte(rng.UintN(4)), byte(rng.UintN(256))}
			k.DstIp = [16]byte{198, 51, 100, 254}
			if i%4 == 1 {
				k.DstIp = [16]byte{8, 8, byte(rng.UintN(256)), 8}
			}
		}
		st.HdrDesc[0], st.HdrLen[0] = stack(datapath.HdrEth, datapath.HdrIPv4, datapath.HdrTCP)
		st.HdrDescCnt = 1
		st.SrcMac[0], st.SrcMacCnt = [6]byte{2, 0, 0x5e, 0, byte(i >> 8), byte(i)}, 1
		st.DstMac[0], st.DstMacCnt = [6]byte{2, 0, 0x5e, 0, 0, 2}, 1
		if i%32 == 5 {
			st.VlanTci[0], st.VlanCnt = 100, 1
		}
		flows[i] = api.Flow{Dir: 'A' + byte(i&1), Key: k, State: st}
	}
	return flows
}

// BenchmarkAppendColumns formats basicFlow's columns of a mix of flows;
// ns/op is per flow line.
func BenchmarkAppendColumns(b *testing.B) {
	flows := benchFlows(4096)
	p := New(nil)
	buf := make([]byte, 0, 1024)
	for i := 0; b.Loop(); i++ {
		buf = p.AppendColumns(buf[:0], &flows[i%len(flows)])
	}
}
