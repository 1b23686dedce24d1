package datapath

import (
	"math"

	"github.com/flowtap/flowtap/gen"
)

// State is the shared per-direction flow state (bpf/types.h).
type State = gen.FlowtapFlowState

// Config holds the knobs of the per-packet logic. The XDP program reads
// the same values from its volatile const variables.
type Config struct {
	FlowTimeoutNs uint64 // T2 FLOW_TIMEOUT (default 182 s)
	TCPWinThres   uint32 // TCPWIN_THRES: count raw windows below this (default 1)
	ForceMode     bool   // FORCE_MODE: remove a flow once winThCnt > 1
	PDOpp         bool   // PD_OPP: also extract the opposite direction
	PDEq          bool   // PD_EQ: extract flows with FL_ALARM (true) or without (false)
}

// Result tells the caller what the packet caused.
type Result struct {
	Dump     bool // pcapd: write this packet to the extraction file
	Remove   bool // force mode: write and remove the flow before the next packet
	LowWin   bool // tcpWin counted this packet (raw window below threshold)
	TCPCount bool // tcpWin counted this packet as a TCP packet
	// OppState: tcpStates may have changed the opposite direction's state
	// and timeout (every transition but ESTABLISHED without RST may).
	OppState bool
}

// InitFlow prepares st for the first packet m of a new flow direction.
// flowInd and the L3FLOWINVERT decision belong to the flow table.
func InitFlow(st *State, m *Meta, tsNs uint64, cfg *Config) {
	*st = State{}
	st.FirstNs = tsNs
	st.LastNs = tsNs
	st.TimeoutNs = cfg.FlowTimeoutNs
	st.MinL7 = math.MaxUint16
	switch {
	case m.L2Flow:
		st.Status = StatL2Flow
	case m.L3 == L3IPv6:
		st.Status = StatIPv6
	default:
		st.Status = StatIPv4
	}
	// basicFlow takes the VLAN tags of the flow's first packet.
	st.VlanCnt = m.NVLANs
	st.VlanTci = m.VLANs
}

// Update applies packet m, captured at tsNs, to flow direction st; opp is
// the opposite direction or nil. isNew is true for the packet that created
// st. The order of the steps is T2's plugin order (section 7).
func Update(st, opp *State, m *Meta, tsNs uint64, isNew bool, cfg *Config) Result {
	if !isNew && m.L3 == L3IPv4 && !m.ViaFragTable {
		// T2 checks DUPIPID on existing flows only; a new flow has no last ID.
		if st.MiscBits&miscIPIDValid != 0 && m.IPID != 0 && m.IPID == st.LastIpid {
			st.Status |= StatDupIPID
		}
		st.LastIpid = m.IPID
		st.MiscBits |= miscIPIDValid
	}
	st.PadBytes += uint64(m.PadLen)
	st.Status |= m.Status
	prevNs := st.LastNs
	st.LastNs = tsNs
	st.CapBytes += uint64(m.capLen)
	basicFlow(st, m)
	basicStats(st, m, tsNs, prevNs)
	var r Result
	if m.L4Proto == ProtoTCP && !m.L2Flow {
		oppState := false
		if m.TCPValid {
			oppState = opp != nil && (st.TcpState != stateEstablished || m.TCPFlags&tcpRST != 0)
			tcpStates(st, opp, m)
		}
		r = tcpWin(st, m, cfg)
		r.OppState = oppState
	}
	r.Dump = pcapdSelect(st, opp, cfg)
	return r
}

const (
	miscIPIDValid = 0x01
	miscReported  = 0x02
)

// basicFlow records header stacks and MAC addresses (basicFlow plugin).
func basicFlow(st *State, m *Meta) {
	if st.HdrDescCnt >= MaxHdrDesc {
		st.Status |= StatHdrOverrun // T2 flags every packet once 4 stacks are kept
	} else {
		found := false
		for i := uint8(0); i < st.HdrDescCnt; i++ {
			if st.HdrLen[i] == m.NHdrs && st.HdrDesc[i] == m.Hdrs {
				found = true
				break
			}
		}
		if !found {
			st.HdrDesc[st.HdrDescCnt] = m.Hdrs
			st.HdrLen[st.HdrDescCnt] = m.NHdrs
			st.HdrDescCnt++
		}
	}
	if !m.HasMAC || st.Status&StatL2NoEth != 0 {
		return
	}
	st.SrcMacCnt = addMAC(&st.SrcMac, st.SrcMacCnt, m.SrcMAC)
	st.DstMacCnt = addMAC(&st.DstMac, st.DstMacCnt, m.DstMAC)
}

func addMAC(list *[MaxMACs][6]uint8, n uint8, mac [6]byte) uint8 {
	if n >= MaxMACs {
		return n
	}
	for i := uint8(0); i < n; i++ {
		if list[i] == mac {
			return n
		}
	}
	list[n] = mac
	return n + 1
}

// basicStats updates counts, sizes and inter-arrival times (basicStats).
func basicStats(st *State, m *Meta, tsNs, prevNs uint64) {
	n := st.Pkts + 1
	x := uint64(m.L7Len)
	if x > math.MaxUint16 {
		x = math.MaxUint16 // T2 keeps packet lengths in 16 bits
	}
	if n > 1 {
		mean := meanFx(st.L7Bytes, st.Pkts, sizeShift)
		mAbs, _ := absDiff(x<<sizeShift, mean)
		runningVar(&st.L7VarHi, &st.L7VarLo, mAbs, n)
		iat := int64(tsNs - prevNs)
		if iat > st.MaxIatNs {
			st.MaxIatNs = iat
		}
		// The mean of the previous n-1 IATs (the first is 0) telescopes to
		// (prev - first) / (n-1).
		span, neg := absDiff(prevNs, st.FirstNs)
		meanIat := meanFx(span, st.Pkts, iatShift)
		iatAbs, iatNeg := magShift(iat)
		var mA uint64
		if iatNeg == neg {
			mA, _ = absDiff(iatAbs, meanIat)
		} else {
			mA = iatAbs + meanIat
		}
		runningVar(&st.IatVarHi, &st.IatVarLo, mA, n)
	}
	st.Pkts = n
	st.L7Bytes += x
	if uint16(x) < st.MinL7 {
		st.MinL7 = uint16(x)
	}
	if uint16(x) > st.MaxL7 {
		st.MaxL7 = uint16(x)
	}
}

// magShift returns |iat| << iatShift and the sign of iat, saturating
// inter-arrival times beyond about 200 days.
func magShift(iat int64) (uint64, bool) {
	const lim = uint64(1) << (62 - iatShift)
	neg := iat < 0
	mag := uint64(iat)
	if neg {
		mag = uint64(-iat)
	}
	if mag > lim {
		mag = lim
	}
	return mag << iatShift, neg
}

// tcpWin counts TCP packets whose raw 16-bit window is below the threshold
// and raises FL_ALARM in the same packet (section 7.4).
func tcpWin(st *State, m *Meta, cfg *Config) Result {
	var r Result
	if m.FragLater {
		return r
	}
	st.TcpPkts++
	r.TCPCount = true
	if st.TcpPkts == 1 {
		st.WinInit = uint32(m.TCPWin)
		st.WinTtl = m.TTL
	}
	if !m.TCPWinOK || uint32(m.TCPWin) >= cfg.TCPWinThres {
		return r
	}
	st.WinThCnt++
	st.WinStat |= TCPWinStatTHU
	st.Status |= StatAlarm
	r.LowWin = true
	if cfg.ForceMode && st.WinThCnt > 1 {
		st.Status |= StatRmFlow
		r.Remove = true
	}
	return r
}

// pcapdSelect applies pcapd's sticky per-flow selection (section 7.5).
func pcapdSelect(st, opp *State, cfg *Config) bool {
	if (st.Status&StatAlarm != 0) == cfg.PDEq {
		st.Dump = 1
		if cfg.PDOpp && opp != nil {
			opp.Dump = 1
		}
	}
	return st.Dump != 0
}
