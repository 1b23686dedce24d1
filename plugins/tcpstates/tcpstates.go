// Package tcpstates writes T2's tcpStates column tcpStatesAFlags and its
// aggregated report line (t2-semantics.md 7.3). The state machine itself
// runs per packet in userspace/datapath.
package tcpstates

import (
	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/export"
)

// Plugin is the tcpStates analyser.
type Plugin struct {
	aggr uint8
}

// New returns tcpStates.
func New() *Plugin { return &Plugin{} }

// Name returns the plugin name.
func (p *Plugin) Name() string { return "tcpStates" }

// Columns returns the tcpStatesAFlags column.
func (p *Plugin) Columns() []api.Column {
	return []api.Column{{Type: "H8", Name: "tcpStatesAFlags", Desc: "TCP state machine anomalies"}}
}

// Flags returns the tcpStatesAFlags value of an ended direction.
func Flags(f *api.Flow) uint8 {
	if f.IsL2() || f.Key.L4Proto != datapath.ProtoTCP {
		return f.State.TcpAnomaly
	}
	return datapath.TCPStatesFinal(f.State, f.Opp)
}

// Observe adds the flow's flags to the aggregated report value.
func (p *Plugin) Observe(f *api.Flow) { p.aggr |= Flags(f) }

// AppendColumns appends tcpStatesAFlags; it keeps no state.
func (p *Plugin) AppendColumns(b []byte, f *api.Flow) []byte {
	b = append(b, '\t')
	return export.AppendHex(b, uint64(Flags(f)), 2)
}

// Report returns the aggregated flags line, omitted when zero.
func (p *Plugin) Report(api.Totals) []string {
	if p.aggr == 0 {
		return nil
	}
	return []string{"tcpStates: Aggregated tcpStatesAFlags=" + string(export.AppendHex(nil, uint64(p.aggr), 2))}
}
