package plugins

import (
	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/plugins/basicflow"
	"github.com/flowtap/flowtap/plugins/basicstats"
	"github.com/flowtap/flowtap/plugins/pcapd"
	"github.com/flowtap/flowtap/plugins/tcpstates"
	"github.com/flowtap/flowtap/plugins/tcpwin"
)

// Plugin is an analyser that adds columns to ended flows and lines to the
// end report.
type Plugin interface {
	Name() string
	Columns() []api.Column
	// AppendColumns appends the plugin's values for f, each after a TAB.
	// It must keep no state: flows are formatted on several goroutines.
	AppendColumns(b []byte, f *api.Flow) []byte
	// Observe updates the plugin's report state (and reports alarms in
	// f) for an ended flow; flows are observed one at a time in output
	// order, before their line is written.
	Observe(f *api.Flow)
	Report(t api.Totals) []string
}

// Set is the ordered list of active plugins with typed handles to the
// ones the engine drives directly.
type Set struct {
	List   []Plugin
	TCPWin *tcpwin.Plugin
	Pcapd  *pcapd.Plugin
}

// New builds the standard set. prefix names pcapd's output file.
func New(opt api.Options, prefix string, pdEthernet bool) *Set {
	s := &Set{TCPWin: tcpwin.New(opt), Pcapd: pcapd.New(prefix, pdEthernet)}
	s.List = []Plugin{
		basicflow.New(opt.Geo),
		basicstats.New(opt.Geo),
		tcpstates.New(),
		s.TCPWin,
		s.Pcapd,
	}
	return s
}

// CoreColumns are the two columns T2's core writes before any plugin.
func CoreColumns() []api.Column {
	return []api.Column{
		{Type: "C", Name: "dir", Desc: "Flow direction"},
		{Type: "U64", Name: "flowInd", Desc: "Flow index"},
	}
}

// Columns returns every column of the flows file in order.
func (s *Set) Columns() []api.Column {
	cols := CoreColumns()
	for _, p := range s.List {
		cols = append(cols, p.Columns()...)
	}
	return cols
}

// Names returns the plugin names in load order, with txtSink in T2's
// position (after the analysers, before pcapd).
func (s *Set) Names() []string {
	var n []string
	for _, p := range s.List {
		if p.Name() == "pcapd" {
			n = append(n, "txtSink")
		}
		n = append(n, p.Name())
	}
	return n
}
