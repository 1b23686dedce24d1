// Package basicflow writes T2's basicFlow columns (t2-semantics.md 7.1):
// flow status, times, header stacks, MACs, VLANs, addresses with their
// country/organisation, ports and protocol. Per-packet work is in
// userspace/datapath; this package only formats ended flows.
package basicflow

import (
	"net/netip"

	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/export"
	"github.com/flowtap/flowtap/userspace/geo"
)

// Plugin is the basicFlow analyser.
type Plugin struct {
	geo *geo.DB
}

// New returns basicFlow using db for the country/organisation columns.
func New(db *geo.DB) *Plugin {
	if db == nil {
		db = geo.NewBuiltin()
	}
	return &Plugin{geo: db}
}

// Name returns the plugin name.
func (p *Plugin) Name() string { return "basicFlow" }

// Columns returns the columns basicFlow adds after dir and flowInd.
func (p *Plugin) Columns() []api.Column {
	return []api.Column{
		{Type: "H64", Name: "flowStat", Desc: "Flow status and warnings"},
		{Type: "U64.U32", Name: "timeFirst", Desc: "Date time of first packet"},
		{Type: "U64.U32", Name: "timeLast", Desc: "Date time of last packet"},
		{Type: "U64.U32", Name: "duration", Desc: "Flow duration"},
		{Type: "U8", Name: "numHdrDesc", Desc: "Number of different headers descriptions"},
		{Type: "U16:R", Name: "numHdrs", Desc: "Number of headers (depth) in hdrDesc"},
		{Type: "SC:R", Name: "hdrDesc", Desc: "Headers description"},
		{Type: "MAC:R", Name: "srcMac", Desc: "Mac source"},
		{Type: "MAC:R", Name: "dstMac", Desc: "Mac destination"},
		{Type: "H16", Name: "ethType", Desc: "Ethernet type"},
		{Type: "U16:R", Name: "vlanID", Desc: "VLAN IDs"},
		{Type: "IPX", Name: "srcIP", Desc: "Source IP address"},
		{Type: "SC", Name: "srcIPCC", Desc: "Source IP country"},
		{Type: "S", Name: "srcIPOrg", Desc: "Source IP organization"},
		{Type: "U16", Name: "srcPort", Desc: "Source port"},
		{Type: "IPX", Name: "dstIP", Desc: "Destination IP address"},
		{Type: "SC", Name: "dstIPCC", Desc: "Destination IP country"},
		{Type: "S", Name: "dstIPOrg", Desc: "Destination IP organization"},
		{Type: "U16", Name: "dstPort", Desc: "Destination port"},
		{Type: "U8", Name: "l4Proto", Desc: "Layer 4 protocol"},
	}
}

// AppendColumns appends basicFlow's values, each preceded by a TAB.
func (p *Plugin) AppendColumns(b []byte, f *api.Flow) []byte {
	st := f.State
	b = append(b, '\t')
	b = export.AppendHex(b, st.Status, 16)
	b = append(b, '\t')
	b = export.AppendTS(b, int64(st.FirstNs))
	b = append(b, '\t')
	b = export.AppendTS(b, int64(st.LastNs))
	b = append(b, '\t')
	b = export.AppendTS(b, int64(f.DurationNs()))
	b = append(b, '\t')
	b = export.AppendUint(b, uint64(st.HdrDescCnt))
	b = append(b, '\t')
	for i := uint8(0); i < st.HdrDescCnt; i++ {
		if i > 0 {
			b = append(b, ';')
		}
		b = export.AppendUint(b, uint64(st.HdrLen[i]))
	}
	b = append(b, '\t')
	for i := uint8(0); i < st.HdrDescCnt; i++ {
		if i > 0 {
			b = append(b, ';')
		}
		b = datapath.AppendHdrDesc(b, st.HdrDesc[i][:st.HdrLen[i]])
	}
	b = append(b, '\t')
	b = appendMACs(b, &st.SrcMac, st.SrcMacCnt)
	b = append(b, '\t')
	b = appendMACs(b, &st.DstMac, st.DstMacCnt)
	b = append(b, '\t')
	b = export.AppendHex(b, uint64(f.Key.EthType), 4)
	b = append(b, '\t')
	for i := uint8(0); i < st.VlanCnt; i++ {
		if i > 0 {
			b = append(b, ';')
		}
		b = export.AppendUint(b, uint64(st.VlanTci[i])) // T2 prints the raw TCI
	}
	b = p.appendEndpoint(b, f, &f.Key.SrcIp, f.Key.SrcPort)
	b = p.appendEndpoint(b, f, &f.Key.DstIp, f.Key.DstPort)
	b = append(b, '\t')
	return export.AppendUint(b, uint64(f.Key.L4Proto))
}

func appendMACs(b []byte, list *[datapath.MaxMACs][6]uint8, n uint8) []byte {
	for i := uint8(0); i < n; i++ {
		if i > 0 {
			b = append(b, ';')
		}
		b = export.AppendMAC(b, list[i])
	}
	return b
}

// appendEndpoint appends IP, country, organisation and port of one side.
// IPv4 addresses go to the geo table as the key's bytes, without a
// netip.Addr round trip (every line has two).
func (p *Plugin) appendEndpoint(b []byte, f *api.Flow, ip *[16]byte, port uint16) []byte {
	var info geo.Info
	b = append(b, '\t')
	switch {
	case f.IsL2():
		info = geo.Info{CC: geo.Unknown, Org: geo.Unknown}
		b = append(b, '-')
	case f.IsIPv6():
		a := netip.AddrFrom16(*ip)
		info = p.geo.Lookup(a)
		b = a.AppendTo(b)
	default:
		a := [4]byte(ip[:4])
		info = p.geo.LookupIPv4(a)
		b = netip.AddrFrom4(a).AppendTo(b)
	}
	b = append(b, '\t')
	b = append(b, info.CC...)
	b = append(b, '\t')
	b = export.AppendQuoted(b, info.Org)
	b = append(b, '\t')
	return export.AppendUint(b, uint64(port))
}

// Observe does nothing: basicFlow keeps no per-flow report state.
func (p *Plugin) Observe(*api.Flow) {}

// Report returns nothing: basicFlow has no end-report line.
func (p *Plugin) Report(api.Totals) []string { return nil }
