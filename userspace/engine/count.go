package engine

import (
	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/report"
)

// countPacket updates the end report's per-packet counters the way T2's
// processPacket and its dissectors do. packetNum is the packet's ordinal
// among all records read (T2's numPackets once it is counted). It reads
// nothing but the packet, so the reading goroutine can run it.
func countPacket(s *report.PacketCounts, m *datapath.Meta, pkt *capture.Packet, packetNum uint64) {
	s.Headers.Observe(m.HdrCnt, packetNum)
	st := m.Status
	switch {
	case st&datapath.StatIPv4 != 0:
		s.IPv4Packets++
	case st&datapath.StatIPv6 != 0:
		s.IPv6Packets++
	}
	if st&datapath.StatIPvX != 0 {
		s.IPvXPackets++
	}
	if st&datapath.StatTeredo != 0 {
		s.TeredoPackets++
	}
	if st&datapath.StatGRE != 0 {
		s.GREPackets++
	}
	if m.VLANCnt > s.MaxVLANHeaders {
		s.MaxVLANHeaders = m.VLANCnt
	}
	if m.MPLSCnt > s.MaxMPLSHeaders {
		s.MaxMPLSHeaders = m.MPLSCnt
	}
	for i := uint8(0); i < m.NHdrs; i++ {
		if datapath.Hdr(m.Hdrs[i]) == datapath.HdrLLC {
			s.LLCPackets++
			break
		}
	}
	if m.NoFlow {
		return
	}
	s.PadBytes += uint64(m.PadLen)
	if m.L2Flow {
		s.L2Packets++
		switch m.Key.EthType {
		case datapath.EthARP:
			s.ARPPackets++
		case datapath.EthRARP:
			s.RARPPackets++
		}
		return
	}
	if m.L3 == datapath.L3IPv6 {
		s.WireBytes += uint64(pkt.OrigLen)
	} else {
		s.WireBytes += uint64(m.L2Len)
	}
	caplen := uint64(pkt.CapLen)
	switch m.L4Proto {
	case datapath.ProtoTCP:
		s.TCPPackets++
		s.TCPBytes += caplen
	case datapath.ProtoUDP:
		s.UDPPackets++
		s.UDPBytes += caplen
	case datapath.ProtoICMP:
		s.ICMPPackets++
	case datapath.ProtoICMPv6:
		s.ICMPv6Packets++
	case datapath.ProtoIGMP:
		s.IGMPPackets++
	case datapath.ProtoSCTP:
		s.SCTPPackets++
		s.SCTPBytes += caplen
	}
}
