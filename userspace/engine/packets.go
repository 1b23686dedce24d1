package engine

import (
	"net/netip"

	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/export"
	"github.com/flowtap/flowtap/userspace/flowtable"
)

// PacketWriter receives packet-mode (-s) lines.
type PacketWriter interface {
	WriteLine(line []byte) error
}

// PacketColumns are the columns of PREFIX_packets.txt (flowtap's choice;
// t2-semantics.md leaves all but tcpWin's two open).
var PacketColumns = []string{
	"pktNo", "flowInd", "flowStat", "time", "pktIAT", "duration", "numHdrs", "hdrDesc",
	"srcIP", "srcPort", "dstIP", "dstPort", "l4Proto", "pktLen", "l7Len", "padLen",
	"tcpStatesAFlags", "tcpWinSize", "tcpWinThPktCnt",
}

// writePacketLine writes one packet-mode line; f is nil for packets
// without flow.
func (e *Engine) writePacketLine(pkt *capture.Packet, m *datapath.Meta, f *flowtable.Flow, iatNs int64) {
	if e.pkts == nil {
		return
	}
	b := e.line[:0]
	b = export.AppendUint(b, e.stats.Packets)
	b = append(b, '\t')
	var st *datapath.State
	if f != nil {
		st = &f.State
		b = export.AppendUint(b, st.FlowInd)
	} else {
		b = append(b, '0')
	}
	b = append(b, '\t')
	status := m.Status
	if st != nil {
		status = st.Status
	}
	b = export.AppendHex(b, status, 16)
	b = append(b, '\t')
	b = export.AppendTS(b, pkt.TsNs)
	b = append(b, '\t')
	b = export.AppendTS(b, iatNs)
	b = append(b, '\t')
	if st != nil {
		b = export.AppendTS(b, int64(st.LastNs-st.FirstNs))
	} else {
		b = append(b, "0.000000000"...)
	}
	b = append(b, '\t')
	b = export.AppendUint(b, uint64(m.NHdrs))
	b = append(b, '\t')
	b = datapath.AppendHdrDesc(b, m.Hdrs[:m.NHdrs])
	b = e.appendPacketEnds(b, m)
	b = append(b, '\t')
	b = export.AppendUint(b, uint64(pkt.OrigLen))
	b = append(b, '\t')
	b = export.AppendUint(b, uint64(m.L7Len))
	b = append(b, '\t')
	b = export.AppendUint(b, uint64(m.PadLen))
	b = append(b, '\t')
	var anomaly uint8
	var thCnt uint32
	if st != nil {
		anomaly, thCnt = st.TcpAnomaly, st.WinThCnt
	}
	b = export.AppendHex(b, uint64(anomaly), 2)
	b = append(b, '\t')
	if m.L4Proto == datapath.ProtoTCP && m.TCPWinOK && !m.FragLater {
		b = export.AppendUint(b, uint64(m.TCPWin))
	} else {
		b = append(b, '0')
	}
	b = append(b, '\t')
	b = export.AppendUint(b, uint64(thCnt))
	e.line = b
	if err := e.pkts.WriteLine(b); err != nil && e.err == nil {
		e.err = err
	}
}

func (e *Engine) appendPacketEnds(b []byte, m *datapath.Meta) []byte {
	k := &m.Key
	for i, side := range [2][16]byte{k.SrcIp, k.DstIp} {
		b = append(b, '\t')
		switch m.L3 {
		case datapath.L3IPv4:
			b = export.AppendIP(b, v4(side))
		case datapath.L3IPv6:
			b = export.AppendIP(b, v6(side))
		default:
			b = append(b, '-')
		}
		b = append(b, '\t')
		port := k.SrcPort
		if i == 1 {
			port = k.DstPort
		}
		b = export.AppendUint(b, uint64(port))
	}
	b = append(b, '\t')
	return export.AppendUint(b, uint64(m.L4Proto))
}

func v4(ip [16]byte) netip.Addr { return netip.AddrFrom4([4]byte{ip[0], ip[1], ip[2], ip[3]}) }
func v6(ip [16]byte) netip.Addr { return netip.AddrFrom16(ip) }
