package datapath

// TCP flag bits.
const (
	tcpFIN  = 0x01
	tcpSYN  = 0x02
	tcpRST  = 0x04
	tcpPSH  = 0x08
	tcpACK  = 0x10
	tcpURG  = 0x20
	tcpAll  = 0x3f
	tcpARSF = tcpACK | tcpRST | tcpSYN | tcpFIN
)

// tcpStates timeouts in nanoseconds (T2 tcpStates.h).
const (
	TimeoutReset       = 100_000_000
	TimeoutNew         = 120_000_000_000
	TimeoutEstablished = 610_000_000_000
	TimeoutClosing     = 120_000_000_000
	TimeoutClosed      = 10_000_000_000
)

// Timeouts lists every timeout value the flow table must watch besides
// the flow timeout (T2 registers one LRU sentinel per distinct value).
var Timeouts = [...]uint64{TimeoutReset, TimeoutNew, TimeoutEstablished, TimeoutClosing, TimeoutClosed}

func setState(st *State, s uint8, timeout uint64) {
	st.TcpState = s
	st.TimeoutNs = timeout
}

// tcpStates runs T2's per-direction TCP state machine (section 7.3) on a
// first fragment with at least 13 captured bytes of TCP header. opp may be
// nil. It sets the timeouts that drive the release of RST/FIN-closed
// connections.
func tcpStates(st, opp *State, m *Meta) {
	f := m.TCPFlags
	if f&tcpAll == tcpAll || f&tcpAll == 0 { // XMAS or NULL scan
		st.TcpAnomaly |= TCPEvil
	}
	switch st.TcpState {
	case stateNew:
		tcpNew(st, opp, m)
	case stateEstablished:
		if f&(tcpSYN|tcpACK) != tcpACK {
			st.TcpAnomaly |= TCPMalFlgsEst
			if opp != nil {
				opp.TcpAnomaly |= TCPMalFlgsEst
			}
		}
		if f&tcpFIN != 0 {
			st.TcpBits |= bitFinSeen
			st.FinSeq = m.TCPSeq
			setState(st, stateClosing, TimeoutClosing)
			if f&tcpACK != 0 {
				ackFin(opp, m)
			}
		}
		if f&tcpRST != 0 {
			resetTeardown(st, opp)
		}
	case stateClosing:
		if f&tcpRST != 0 {
			resetTeardown(st, opp)
		}
		if f&tcpACK != 0 {
			ackFin(opp, m)
		}
		const done = bitFinSeen | bitFinAckd
		if opp != nil && st.TcpBits&done == done && opp.TcpBits&done == done {
			setState(st, stateClosed, TimeoutClosed)
			setState(opp, stateClosed, TimeoutClosed)
		}
	case stateClosed:
		st.TcpAnomaly |= TCPPktsTerm
		if f&tcpRST != 0 {
			resetTeardown(st, opp)
		}
	case stateReset:
		st.TcpAnomaly |= TCPPktsRst
	}
}

const (
	stateNew         = 0
	stateEstablished = 1
	stateClosing     = 2
	stateClosed      = 3
	stateReset       = 4

	bitSynSeen = 0x01
	bitSynAckd = 0x02
	bitFinSeen = 0x04
	bitFinAckd = 0x08
	bitFinScan = 0x10
)

// ackFin marks the opposite's FIN as acknowledged when m acks it.
func ackFin(opp *State, m *Meta) {
	if opp != nil && opp.TcpBits&bitFinSeen != 0 && m.TCPAck == opp.FinSeq+1 {
		opp.TcpBits |= bitFinAckd
	}
}

// resetTeardown handles an RST after the handshake.
func resetTeardown(st, opp *State) {
	setState(st, stateReset, TimeoutReset)
	st.TcpAnomaly |= TCPRstTrans | TCPMalTeardwn
	if opp != nil {
		setState(opp, stateReset, TimeoutReset)
		opp.TcpAnomaly |= TCPMalTeardwn
	}
}

// malEstablished moves both sides to ESTABLISHED with a malformed
// connection establishment.
func malEstablished(st, opp *State) {
	setState(st, stateEstablished, TimeoutEstablished)
	st.TcpAnomaly |= TCPMalConEst
	if opp != nil {
		setState(opp, stateEstablished, TimeoutEstablished)
		opp.TcpAnomaly |= TCPMalConEst
	}
}

// tcpNew handles a packet of a direction still in state NEW.
func tcpNew(st, opp *State, m *Meta) {
	f := m.TCPFlags
	switch {
	case f&(tcpSYN|tcpFIN|tcpRST) == tcpSYN:
		st.TcpBits |= bitSynSeen
		st.SynSeq = m.TCPSeq
		st.TimeoutNs = TimeoutNew
		if f&tcpACK == 0 {
			return
		}
		if opp == nil {
			setState(st, stateEstablished, TimeoutEstablished)
			st.TcpAnomaly |= TCPMalConEst
		} else if m.TCPAck == opp.SynSeq+1 {
			opp.TcpBits |= bitSynAckd
		} else {
			malEstablished(st, opp)
		}
	case opp != nil && f&tcpARSF == tcpACK:
		if m.TCPAck != opp.SynSeq+1 {
			malEstablished(st, opp)
			return
		}
		opp.TcpBits |= bitSynAckd
		if st.TcpBits&bitSynAckd != 0 {
			setState(st, stateEstablished, TimeoutEstablished)
			setState(opp, stateEstablished, TimeoutEstablished)
		}
	case opp != nil && f&tcpARSF == tcpRST|tcpACK:
		setState(st, stateReset, TimeoutReset)
		st.TcpAnomaly |= TCPRstTrans
		setState(opp, stateReset, TimeoutReset)
	case f&tcpRST != 0:
		st.TcpAnomaly |= TCPRstTrans | TCPMalConEst
		setState(st, stateReset, TimeoutReset)
		if opp != nil {
			opp.TcpAnomaly |= TCPMalConEst
			setState(opp, stateReset, TimeoutReset)
		} else {
			st.TcpAnomaly |= TCPEvil
		}
	case f&tcpARSF == tcpFIN|tcpACK:
		st.TcpBits |= bitFinSeen
		st.FinSeq = m.TCPSeq
		st.TcpAnomaly |= TCPMalConEst
		setState(st, stateClosing, TimeoutClosing)
		if opp != nil {
			opp.TcpAnomaly |= TCPMalConEst
			ackFin(opp, m)
		} else {
			st.TcpBits |= bitFinScan
		}
	case f&tcpARSF == tcpFIN:
		st.TcpAnomaly |= TCPEvil
	default:
		malEstablished(st, opp)
	}
}

// TCPStatesFinal returns the tcpStatesAFlags column of a TCP direction at
// flow end (T2 adds the establishment and teardown verdicts then).
func TCPStatesFinal(st, opp *State) uint8 {
	a := st.TcpAnomaly
	if opp == nil {
		a |= TCPMalConEst | TCPMalTeardwn
	} else {
		const syn = bitSynSeen | bitSynAckd
		const fin = bitFinSeen | bitFinAckd
		if st.TcpBits&syn != syn || opp.TcpBits&syn != syn {
			a |= TCPMalConEst
		}
		if st.TcpBits&fin != fin || opp.TcpBits&fin != fin {
			a |= TCPMalTeardwn
		} else {
			return a // a clean teardown cancels a FIN-scan suspicion
		}
	}
	if st.TcpBits&bitFinScan != 0 {
		a |= TCPEvil
	}
	return a
}
