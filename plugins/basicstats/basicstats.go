// Package basicstats writes T2's basicStats columns (t2-semantics.md 7.2):
// packet and L7 byte counts, size and inter-arrival statistics, rates and
// asymmetries, and its end-report lines (largest load, rate and talkers).
// The per-packet accumulators live in the shared state (userspace/datapath).
package basicstats

import (
	"math"

	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/export"
	"github.com/flowtap/flowtap/userspace/geo"
	"github.com/flowtap/flowtap/userspace/report"
)

type talker struct {
	count uint64
	mac   [6]byte
	addr  string
}

// Plugin is the basicStats analyser. It keeps the report maxima.
type Plugin struct {
	geo             *geo.DB
	maxLoad         uint64  // T2 mxByts: largest average L7 size, truncated
	maxBps          float32 // T2 mxBytsps
	maxBpsPkts      uint64
	l2Pkts, l2Bytes talker
	ipPkts, ipBytes talker
}

// New returns basicStats; db adds country codes to the talker lines.
func New(db *geo.DB) *Plugin { return &Plugin{geo: db} }

// Name returns the plugin name.
func (p *Plugin) Name() string { return "basicStats" }

// Columns returns basicStats' columns.
func (p *Plugin) Columns() []api.Column {
	return []api.Column{
		{Type: "U64", Name: "pktsSnt", Desc: "Number of transmitted packets"},
		{Type: "U64", Name: "pktsRcvd", Desc: "Number of received packets"},
		{Type: "I64", Name: "padBytesSnt", Desc: "Number of transmitted padding bytes"},
		{Type: "U64", Name: "l7BytesSnt", Desc: "Number of transmitted layer 7 bytes"},
		{Type: "U64", Name: "l7BytesRcvd", Desc: "Number of received layer 7 bytes"},
		{Type: "U16", Name: "minL7PktSz", Desc: "Minimum layer 7 packet size"},
		{Type: "U16", Name: "maxL7PktSz", Desc: "Maximum layer 7 packet size"},
		{Type: "F", Name: "avgL7PktSz", Desc: "Average layer 7 packet size"},
		{Type: "F", Name: "stdL7PktSz", Desc: "Standard deviation layer 7 packet size"},
		{Type: "F", Name: "minIAT", Desc: "Minimum IAT"},
		{Type: "F", Name: "maxIAT", Desc: "Maximum IAT"},
		{Type: "F", Name: "avgIAT", Desc: "Average IAT"},
		{Type: "F", Name: "stdIAT", Desc: "Standard deviation IAT"},
		{Type: "F", Name: "pktps", Desc: "Sent packets per second"},
		{Type: "F", Name: "bytps", Desc: "Sent bytes per second"},
		{Type: "F", Name: "pktAsm", Desc: "Packet stream asymmetry"},
		{Type: "F", Name: "bytAsm", Desc: "Byte stream asymmetry"},
	}
}

// Stats are the derived figures of one direction, as T2 computes them.
type Stats struct {
	AvgSize, StdSize, MaxIAT, AvgIAT, StdIAT float64
	Pktps, Bytps, PktAsm, BytAsm             float64
	RcvdPkts, RcvdBytes                      uint64
}

// Compute derives the float columns of f. T2 works in float32; the
// accumulators here are exact integers (docs/compat.md).
func Compute(f *api.Flow) Stats {
	st := f.State
	var s Stats
	if f.Opp != nil {
		s.RcvdPkts, s.RcvdBytes = f.Opp.Pkts, f.Opp.L7Bytes
	}
	n := float64(st.Pkts)
	s.AvgSize = avgSize(f)
	if st.Pkts > 0 {
		s.AvgIAT = float64(int64(st.LastNs-st.FirstNs)) / 1e9 / n
	}
	s.StdSize = datapath.SizeStd(st.L7VarHi, st.L7VarLo)
	s.StdIAT = datapath.IATStd(st.IatVarHi, st.IatVarLo)
	s.MaxIAT = float64(st.MaxIatNs) / 1e9
	s.Pktps, s.Bytps = rates(f)
	dir := 1.0
	if f.Opp == nil && st.Status&datapath.StatInvert != 0 {
		dir = -1 // T2 flips the sign for inverted singletons
	}
	if tot := st.Pkts + s.RcvdPkts; tot > 0 {
		s.PktAsm = dir * (n - float64(s.RcvdPkts)) / float64(tot)
	}
	if tot := st.L7Bytes + s.RcvdBytes; tot > 0 {
		s.BytAsm = (float64(st.L7Bytes) - float64(s.RcvdBytes)) / float64(tot)
	}
	return s
}

// avgSize is T2's float32 average L7 packet size.
func avgSize(f *api.Flow) float64 {
	if f.State.Pkts == 0 {
		return 0
	}
	return float64(float32(f.State.L7Bytes) / float32(f.State.Pkts))
}

// rates are T2's float32 packets and bytes per second over the flow's
// duration (0 for a flow of one instant).
func rates(f *api.Flow) (pktps, bytps float64) {
	d := f.DurationNs()
	if d == 0 {
		return 0, 0
	}
	dur := float32(float64(d) / 1e9)
	return float64(float32(f.State.Pkts) / dur), float64(float32(f.State.L7Bytes) / dur)
}

// Observe updates the report maxima and talkers with an ended flow.
func (p *Plugin) Observe(f *api.Flow) {
	// Only the two figures the report tracks: the full Compute (variances,
	// square roots) is left to AppendColumns, which runs on every core.
	_, bps := rates(f)
	p.track(f, avgSize(f), bps)
}

// AppendColumns appends basicStats' values; it keeps no state.
func (p *Plugin) AppendColumns(b []byte, f *api.Flow) []byte {
	st := f.State
	s := Compute(f)
	for _, v := range [...]uint64{st.Pkts, s.RcvdPkts} {
		b = append(b, '\t')
		b = export.AppendUint(b, v)
	}
	b = append(b, '\t')
	b = export.AppendInt(b, int64(st.PadBytes))
	for _, v := range [...]uint64{st.L7Bytes, s.RcvdBytes, uint64(st.MinL7), uint64(st.MaxL7)} {
		b = append(b, '\t')
		b = export.AppendUint(b, v)
	}
	// minIAT is always 0 (t2-semantics.md 7.2). One batch, so the ten
	// conversions overlap.
	fs := [...]float64{s.AvgSize, s.StdSize, 0, s.MaxIAT, s.AvgIAT, s.StdIAT, s.Pktps, s.Bytps, s.PktAsm, s.BytAsm}
	return export.AppendFloats(b, '\t', fs[:])
}

func (p *Plugin) track(f *api.Flow, avgSize, bytps float64) {
	st := f.State
	if bps := float32(bytps); bps > p.maxBps {
		p.maxBps, p.maxBpsPkts = bps, st.Pkts
	}
	if float32(avgSize) > float32(p.maxLoad) {
		p.maxLoad = uint64(float32(avgSize))
	}
	if f.IsL2() {
		if st.Pkts > p.l2Pkts.count {
			p.l2Pkts = talker{count: st.Pkts, mac: f.Key.EthSrc}
		}
		if st.L7Bytes > p.l2Bytes.count {
			p.l2Bytes = talker{count: st.L7Bytes, mac: f.Key.EthSrc}
		}
		return
	}
	if st.Pkts > p.ipPkts.count {
		p.ipPkts = talker{count: st.Pkts, addr: p.addrWithCC(f)}
	}
	if st.L7Bytes > p.ipBytes.count {
		p.ipBytes = talker{count: st.L7Bytes, addr: p.addrWithCC(f)}
	}
}

// addrWithCC names a source IP, with " (CC)" for a real country code.
func (p *Plugin) addrWithCC(f *api.Flow) string {
	a := f.SrcAddr()
	s := a.String()
	if p.geo == nil {
		return s
	}
	cc := p.geo.Lookup(a).CC
	if len(cc) == 2 && cc[0] >= 'a' && cc[0] <= 'z' {
		s += " (" + string(cc[0]-32) + string(cc[1]-32) + ")"
	}
	return s
}

// Report returns basicStats' end-report lines.
func (p *Plugin) Report(t api.Totals) []string {
	mxb := uint64(math.Floor(float64(p.maxBps) * 8))
	lines := []string{
		"basicStats: Flow max(pktload): " + report.ShortNum(p.maxLoad),
		"basicStats: Flow max(b/s), pkts: " + report.ShortNumUnit(mxb, "b/s") + ", " + report.ShortNum(p.maxBpsPkts),
	}
	pkts, bytes := t.Packets, t.FlowBytes
	if p.l2Pkts.count > 0 {
		lines = append(lines,
			talkerLine("L2", string(export.AppendMAC(nil, p.l2Pkts.mac)), p.l2Pkts.count, pkts, "packets"),
			talkerLine("L2", string(export.AppendMAC(nil, p.l2Bytes.mac)), p.l2Bytes.count, bytes, "bytes"))
	}
	if p.ipPkts.count > 0 {
		lines = append(lines,
			talkerLine("L3", p.ipPkts.addr, p.ipPkts.count, pkts, "packets"),
			talkerLine("L3", p.ipBytes.addr, p.ipBytes.count, bytes, "bytes"))
	}
	return lines
}

func talkerLine(layer, who string, count, total uint64, unit string) string {
	return "basicStats: Biggest " + layer + " flow talker: " + who + ": " + report.ShortNum(count) +
		" " + report.Pct(count, total) + " " + unit
}
