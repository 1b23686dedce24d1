package tcpstates

import (
	"testing"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/datapath"
)

// flow_state.tcp_bits (bpf/types.h enum tcp_conn_bit).
const (
	synSeen = 0x01
	synAckd = 0x02
	finSeen = 0x04
	finAckd = 0x08
	finScan = 0x10

	handshake = synSeen | synAckd
	teardown  = finSeen | finAckd
)

func tcpFlow(anomaly, bits uint8, opp *datapath.State) *api.Flow {
	k := &gen.FlowtapFlowKey{EthType: 0x0800, L4Proto: datapath.ProtoTCP, SrcPort: 40000, DstPort: 80}
	st := &datapath.State{Status: datapath.StatIPv4, TcpAnomaly: anomaly, TcpBits: bits}
	return &api.Flow{Dir: 'A', Key: k, State: st, Opp: opp}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		name string
		f    *api.Flow
		want uint8
	}{
		// Section 7.3: a TCP singleton always has 0x03.
		{"singleton syn", tcpFlow(0, synSeen, nil), 0x03},
		{"singleton after full handshake bits", tcpFlow(0, handshake|teardown, nil), 0x03},
		{"singleton with rst", tcpFlow(0x40, 0, nil), 0x43},
		// FIN-scan candidate without opposite adds 0x80.
		{"singleton fin scan", tcpFlow(0, finSeen|finScan, nil), 0x83},
		// Pairs: clean handshake and FIN teardown give 0x00.
		{"clean pair", tcpFlow(0, handshake|teardown, &datapath.State{TcpBits: handshake | teardown}), 0x00},
		{"pair without teardown", tcpFlow(0, handshake, &datapath.State{TcpBits: handshake}), 0x02},
		{"pair, peer's fin not acked", tcpFlow(0, handshake|teardown, &datapath.State{TcpBits: handshake | finSeen}), 0x02},
		{"pair, peer's syn not acked", tcpFlow(0, handshake|teardown, &datapath.State{TcpBits: synSeen | teardown}), 0x01},
		// Refused connection: the RST/ACK side has 0x43, its SYN side 0x03.
		{"refused, rst side", tcpFlow(0x40, 0, &datapath.State{TcpBits: synSeen}), 0x43},
		{"refused, syn side", tcpFlow(0, synSeen, &datapath.State{TcpAnomaly: 0x40}), 0x03},
		// Reset of an established connection: 0x42 on the resetting side.
		{"reset after handshake", tcpFlow(0x42, handshake, &datapath.State{TcpBits: handshake, TcpAnomaly: 0x02}), 0x42},
		// RST after a completed FIN teardown: 0x4a.
		{"rst after teardown", tcpFlow(0x4a, handshake|teardown, &datapath.State{TcpBits: handshake | teardown}), 0x4a},
		// A clean teardown cancels the FIN-scan suspicion.
		{"fin scan bit with clean pair", tcpFlow(0, handshake|teardown|finScan, &datapath.State{TcpBits: handshake | teardown}), 0x00},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Flags(tc.f); got != tc.want {
				t.Errorf("got 0x%02x, want 0x%02x", got, tc.want)
			}
		})
	}
}

func TestFlagsNonTCP(t *testing.T) {
	udp := tcpFlow(0, 0, nil)
	udp.Key.L4Proto = 17
	l2 := &api.Flow{Key: &gen.FlowtapFlowKey{EthType: 0x0806}, State: &datapath.State{Status: datapath.StatL2Flow}}
	for name, f := range map[string]*api.Flow{"udp singleton": udp, "l2 flow": l2} {
		t.Run(name, func(t *testing.T) {
			// Section 7.3: 0x00 for non-TCP flows.
			if got := Flags(f); got != 0 {
				t.Errorf("got 0x%02x, want 0x00", got)
			}
			if got := string(New().AppendColumns(nil, f)); got != "\t0x00" {
				t.Errorf("column %q, want %q", got, "\t0x00")
			}
		})
	}
}

func TestColumnAndReport(t *testing.T) {
	tests := []struct {
		name  string
		flows []*api.Flow
		cols  []string
		want  []string
	}{
		{"none", nil, nil, nil},
		{"clean only", []*api.Flow{tcpFlow(0, handshake|teardown, &datapath.State{TcpBits: handshake | teardown})},
			[]string{"\t0x00"}, nil},
		{"refused connection pair",
			[]*api.Flow{tcpFlow(0, synSeen, &datapath.State{TcpAnomaly: 0x40}), tcpFlow(0x40, 0, &datapath.State{TcpBits: synSeen})},
			[]string{"\t0x03", "\t0x43"}, []string{"tcpStates: Aggregated tcpStatesAFlags=0x43"}},
		{"or over flows",
			[]*api.Flow{tcpFlow(0, synSeen, nil), tcpFlow(0x4a, handshake|teardown, &datapath.State{TcpBits: handshake | teardown})},
			[]string{"\t0x03", "\t0x4a"}, []string{"tcpStates: Aggregated tcpStatesAFlags=0x4b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := New()
			for i, f := range tc.flows {
				if got := string(p.AppendColumns(nil, f)); got != tc.cols[i] {
					t.Errorf("flow %d column %q, want %q", i, got, tc.cols[i])
				}
				p.Observe(f)
			}
			got := p.Report(api.Totals{Packets: 10})
			if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
				t.Errorf("report %q, want %q", got, tc.want)
			}
		})
	}
	cols := New().Columns()
	if len(cols) != 1 || cols[0].Name != "tcpStatesAFlags" || cols[0].Type != "H8" {
		t.Errorf("columns %+v, want one H8 tcpStatesAFlags", cols)
	}
}
