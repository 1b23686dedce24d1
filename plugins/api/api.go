package api

import (
	"net/netip"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/geo"
)

// Column describes one column of the flows file (T2 headers file row).
type Column struct {
	Type string // T2 type: U64, H64, SC:R, F, ...
	Name string
	Desc string
}

// Flow is one ended flow direction as the plugins see it.
type Flow struct {
	Dir   byte // 'A' or 'B' as printed
	Key   *gen.FlowtapFlowKey
	State *datapath.State
	Opp   *datapath.State // nil for a flow without opposite
	// Alarms collects T2_REPORT_ALARMS calls of the plugins for this flow.
	Alarms      uint64
	AlarmCalled bool
}

// IsIPv6 reports whether the flow is an IPv6 flow.
func (f *Flow) IsIPv6() bool { return f.State.Status&datapath.StatIPv6 != 0 }

// IsL2 reports whether the flow is an L2 (non-IP) flow.
func (f *Flow) IsL2() bool { return f.State.Status&datapath.StatL2Flow != 0 }

// SrcAddr returns the flow's source IP address (invalid for L2 flows).
func (f *Flow) SrcAddr() netip.Addr { return addr(f, f.Key.SrcIp) }

// DstAddr returns the flow's destination IP address.
func (f *Flow) DstAddr() netip.Addr { return addr(f, f.Key.DstIp) }

func addr(f *Flow, ip [16]byte) netip.Addr {
	switch {
	case f.IsL2():
		return netip.Addr{}
	case f.IsIPv6():
		return netip.AddrFrom16(ip)
	default:
		return netip.AddrFrom4([4]byte{ip[0], ip[1], ip[2], ip[3]})
	}
}

// DurationNs returns timeLast - timeFirst of the direction.
func (f *Flow) DurationNs() uint64 { return f.State.LastNs - f.State.FirstNs }

// Options are the command-line knobs plugins read.
type Options struct {
	TCPWinThres   uint32  // --tcpwin-thres (TCPWIN_THRES, default 1)
	TCPWinMinPkts uint32  // --tcpwin-minpkts (TCPWIN_MINPKTS, default 30)
	TCPWinMaxIPs  int     // TCPWIN_MAXWSCNT (default 100)
	Geo           *geo.DB // country/organisation lookup (built-in ranges or --geoip)
}

// Totals are run-wide figures some plugins' report lines are relative to.
type Totals struct {
	Packets   uint64 // processed packets
	FlowBytes uint64 // captured bytes of packets that belong to a flow (A + B bytes)
	LowWin    uint64 // TCP packets whose raw window was below TCPWIN_THRES
}
