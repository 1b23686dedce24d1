package sweep

import (
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/flowtable"
)

// Stats are the sweeper's counters and the end-report figures of the
// flows it wrote (the kernel counts packets, not kinds; the flows do).
type Stats struct {
	Sweeps             uint64 // passes, including the final flush
	Errors             uint64 // passes that failed
	Pairs              uint64 // conversations written (pairs and singletons)
	Forced             uint64 // of those, removed for force mode (RMFLOW)
	Revived            uint64 // due in a snapshot, active again when re-read
	Vanished           uint64 // due in a snapshot, gone when removed
	MaxLive            uint64 // most directions seen in one snapshot
	FragPendingExpired uint64 // flows removed while waiting for fragments
	Global             uint64 // flowStat bits of every flow written, or'ed

	// Flow figures, as flowtable.Counters counts them.
	AFlows, BFlows, CorrReplFlows uint64
	L2Flows, IPv4Flows, IPv6Flows uint64

	// Packet figures summed over the flows written.
	APackets, BPackets, ABytes, BBytes  uint64
	PadBytes, LowWinPkts                uint64
	L2Packets, IPv4Packets, IPv6Packets uint64
	ARPPackets, RARPPackets             uint64
	TCPPackets, UDPPackets, ICMPPackets uint64
	ICMPv6Packets, IGMPPackets          uint64
	SCTPPackets                         uint64
	TCPBytes, UDPBytes, SCTPBytes       uint64
}

// Stats returns the counters; call it when Run is not running.
func (s *Sweeper) Stats() Stats { return s.stats }

// count adds an ended pair (b nil for a flow without opposite).
func (st *Stats) count(a, b *flowtable.Flow) {
	st.Pairs++
	st.AFlows++
	if b != nil {
		st.BFlows++
	} else if a.State.Status&datapath.StatInvert != 0 {
		st.CorrReplFlows++
	}
	if a.State.Status&datapath.StatRmFlow != 0 || (b != nil && b.State.Status&datapath.StatRmFlow != 0) {
		st.Forced++
	}
	st.direction(a)
	if b != nil {
		st.direction(b)
	}
}

func (st *Stats) direction(f *flowtable.Flow) {
	s := &f.State
	st.Global |= s.Status
	if s.Status&datapath.StatInvert != 0 {
		st.BPackets += s.Pkts
		st.BBytes += s.CapBytes
	} else {
		st.APackets += s.Pkts
		st.ABytes += s.CapBytes
	}
	st.PadBytes += s.PadBytes
	st.LowWinPkts += uint64(s.WinThCnt)
	switch {
	case s.Status&datapath.StatL2Flow != 0:
		st.L2Flows++
		st.L2Packets += s.Pkts
		switch f.Key.EthType {
		case datapath.EthARP:
			st.ARPPackets += s.Pkts
		case datapath.EthRARP:
			st.RARPPackets += s.Pkts
		}
		return
	case s.Status&datapath.StatIPv6 != 0:
		st.IPv6Flows++
		st.IPv6Packets += s.Pkts
	default:
		st.IPv4Flows++
		st.IPv4Packets += s.Pkts
	}
	switch f.Key.L4Proto {
	case datapath.ProtoTCP:
		st.TCPPackets += s.Pkts
		st.TCPBytes += s.CapBytes
	case datapath.ProtoUDP:
		st.UDPPackets += s.Pkts
		st.UDPBytes += s.CapBytes
	case datapath.ProtoICMP:
		st.ICMPPackets += s.Pkts
	case datapath.ProtoICMPv6:
		st.ICMPv6Packets += s.Pkts
	case datapath.ProtoIGMP:
		st.IGMPPackets += s.Pkts
	case datapath.ProtoSCTP:
		st.SCTPPackets += s.Pkts
		st.SCTPBytes += s.CapBytes
	}
}
