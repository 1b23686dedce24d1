// Package tcpwin is the tutorial tcpWin plugin (t2-semantics.md 7.4): it
// writes the window columns, reports alarms for IPv4 TCP directions with
// low-window packets, keeps the table of source IPs with the highest
// relative low-window count, and prints its end-report lines. Counting
// happens per packet in userspace/datapath.
package tcpwin

import (
	"net/netip"
	"strconv"

	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/export"
	"github.com/flowtap/flowtap/userspace/geo"
	"github.com/flowtap/flowtap/userspace/report"
)

type ipEntry struct {
	ip   netip.Addr
	pkts uint64  // basicStats packets of the flow that set the ratio
	f    float32 // relative count winThCnt / numTPkts
}

// Plugin is the tcpWin analyser.
type Plugin struct {
	opt  api.Options
	geo  *geo.DB
	aggr uint8
	ips  []ipEntry
}

// New returns tcpWin with the given options.
func New(opt api.Options) *Plugin {
	if opt.TCPWinMaxIPs <= 0 {
		opt.TCPWinMaxIPs = 100
	}
	return &Plugin{opt: opt, geo: opt.Geo}
}

// Name returns the plugin name.
func (p *Plugin) Name() string { return "tcpWin" }

// Columns returns tcpWin's five columns (names are flowtap's choice).
func (p *Plugin) Columns() []api.Column {
	return []api.Column{
		{Type: "H8", Name: "tcpWinStat", Desc: "tcpWin status"},
		{Type: "U8", Name: "tcpWinTtl", Desc: "IP TTL of the first TCP packet"},
		{Type: "U32", Name: "tcpWinInit", Desc: "Initial TCP window (raw)"},
		{Type: "U32", Name: "tcpWinThCnt", Desc: "TCP packets with window below threshold"},
		{Type: "F", Name: "tcpWinThRatio", Desc: "TCP packets with window below threshold / TCP packets"},
	}
}

// Ratio returns f = winThCnt / TCP packets, 0 without TCP packets.
func Ratio(st *datapath.State) float32 {
	if st.TcpPkts == 0 {
		return 0
	}
	return float32(st.WinThCnt) / float32(st.TcpPkts)
}

// Observe reports the flow's alarms and offers its source IP to the
// table (tutorial onFlowTerminate). Flows must be observed in output order.
func (p *Plugin) Observe(f *api.Flow) {
	st := f.State
	p.aggr |= st.WinStat
	isV4TCP := !f.IsL2() && !f.IsIPv6() && f.Key.L4Proto == datapath.ProtoTCP
	if isV4TCP && st.WinThCnt > 0 && st.TcpPkts >= p.opt.TCPWinMinPkts {
		f.Alarms += uint64(st.WinThCnt)
		f.AlarmCalled = true
		p.offer(f.SrcAddr(), st.Pkts, Ratio(st))
	}
}

// AppendColumns appends the five columns; it keeps no state.
func (p *Plugin) AppendColumns(b []byte, f *api.Flow) []byte {
	st := f.State
	b = append(b, '\t')
	b = export.AppendHex(b, uint64(st.WinStat), 2)
	for _, v := range [...]uint64{uint64(st.WinTtl), uint64(st.WinInit), uint64(st.WinThCnt)} {
		b = append(b, '\t')
		b = export.AppendUint(b, v)
	}
	b = append(b, '\t')
	return export.AppendFloat(b, float64(Ratio(st)))
}

// offer keeps ip when its ratio beats the one recorded (tutorial rule:
// one entry per IP, updated only upwards, at most TCPWinMaxIPs entries).
func (p *Plugin) offer(ip netip.Addr, pkts uint64, f float32) {
	if len(p.ips) >= p.opt.TCPWinMaxIPs {
		return
	}
	for i := range p.ips {
		if p.ips[i].ip == ip {
			if f > p.ips[i].f {
				p.ips[i].f, p.ips[i].pkts = f, pkts
			}
			return
		}
	}
	if f > 0 {
		p.ips = append(p.ips, ipEntry{ip: ip, pkts: pkts, f: f})
	}
}

// Report returns tcpWin's lines: aggregated status, the low-window packet
// count (t.LowWin, the tutorial's global counter), and one line per source IP in the table (insertion order).
func (p *Plugin) Report(t api.Totals) []string {
	if p.aggr == 0 && t.LowWin == 0 {
		return nil
	}
	thr := strconv.FormatUint(uint64(p.opt.TCPWinThres), 10)
	lines := []string{
		"tcpWin: Aggregated tcpWinStat=" + string(export.AppendHex(nil, uint64(p.aggr), 2)),
		"tcpWin: Number of TCP winsize packets below threshold " + thr + ": " + report.ShortNum(t.LowWin) +
			" " + report.Pct(t.LowWin, t.Packets),
	}
	for _, e := range p.ips {
		info := geo.Info{CC: geo.Unknown, Org: geo.Unknown}
		if p.geo != nil {
			info = p.geo.Lookup(e.ip)
		}
		lines = append(lines, "tcpWin: IP: "+e.ip.String()+", country: "+info.CC+", org: "+info.Org)
	}
	return lines
}
