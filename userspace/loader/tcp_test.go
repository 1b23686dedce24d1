//go:build linux

package loader_test

import (
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/userspace/datapath"
)

// seg is one TCP segment of a scripted conversation.
type seg struct {
	fromB    bool
	flags    string
	seq, ack uint32
	win      uint16
	data     int
}

func (p *pair) conversation(t *testing.T, segs []seg) []kernelRun {
	t.Helper()
	var fs [][]byte
	for _, s := range segs {
		var f []byte
		if s.fromB {
			f = frame(t, ethRev(layers.EthernetTypeIPv4), ip4(ipB, ipA, layers.IPProtocolTCP), tcpSeg(80, 40000, s.flags, s.seq, s.ack, s.win), payload(s.data))
		} else {
			f = frame(t, eth(layers.EthernetTypeIPv4), ip4(ipA, ipB, layers.IPProtocolTCP), tcpSeg(40000, 80, s.flags, s.seq, s.ack, s.win), payload(s.data))
		}
		fs = append(fs, f)
	}
	return p.frames(1_000_000_000, fs...)
}

// TestTCPSequences runs handshakes, teardowns, resets and scans; beside
// the comparison with Go, it checks the T2 end states (t2-semantics.md
// section 7.3) where they follow from the script alone.
func TestTCPSequences(t *testing.T) {
	handshake := []seg{{false, "S", 100, 0, 1000, 0}, {true, "SA", 500, 101, 1000, 0}, {false, "A", 101, 501, 1000, 0}}
	cases := []struct {
		name      string
		segs      []seg
		wantA     uint8 // tcp_state of A at the end, 255: not checked
		wantB     uint8
		lowWinPkt int // packets with window below 1
	}{
		{"clean-teardown", append(append([]seg{}, handshake...),
			seg{false, "PA", 101, 501, 1000, 10}, seg{true, "A", 501, 111, 1000, 0},
			seg{false, "FA", 111, 501, 1000, 0}, seg{true, "FA", 501, 112, 1000, 0}, seg{false, "A", 112, 502, 1000, 0}),
			3, 3, 0},
		{"reset-after-handshake", append(append([]seg{}, handshake...), seg{true, "R", 501, 0, 0, 0}, seg{false, "A", 101, 501, 1000, 0}), 4, 4, 1},
		{"reset-answer", []seg{{false, "S", 1, 0, 1000, 0}, {true, "RA", 0, 2, 0, 0}}, 4, 4, 1},
		{"syn-ack-first", []seg{{true, "SA", 9, 1, 0, 0}, {false, "A", 1, 10, 10, 0}}, 255, 255, 1},
		{"xmas-null-fin", []seg{{false, "FSRPAU", 1, 1, 5, 0}, {false, "", 2, 0, 5, 0}, {false, "F", 3, 0, 5, 0}}, 255, 255, 0},
		{"zero-window-stall", append(append([]seg{}, handshake...),
			seg{true, "A", 501, 101, 0, 0}, seg{true, "A", 501, 101, 0, 0}, seg{false, "A", 101, 501, 0, 1}, seg{true, "A", 501, 102, 64000, 0}), 1, 1, 3},
		{"data-before-handshake", []seg{{false, "PA", 1, 1, 10, 5}, {true, "PA", 1, 6, 10, 5}, {false, "FA", 6, 6, 10, 0}}, 255, 255, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newEdgePair(t)
			r := p.conversation(t, c.segs)
			keyA := r[0].Key
			if c.segs[0].fromB {
				keyA.SrcIp, keyA.DstIp = keyA.DstIp, keyA.SrcIp
				keyA.SrcPort, keyA.DstPort = keyA.DstPort, keyA.SrcPort
			}
			keyB := keyA
			keyB.SrcIp, keyB.DstIp = keyA.DstIp, keyA.SrcIp
			keyB.SrcPort, keyB.DstPort = keyA.DstPort, keyA.SrcPort
			stA := p.kernelState(keyA)
			var stB gen.FlowtapFlowState // stays zero for a one-sided script
			if err := p.o.Flows.Lookup(&keyB, &stB); err != nil && c.wantB != 255 {
				t.Fatalf("no B direction: %v", err)
			}
			if c.wantA != 255 && (stA.TcpState != c.wantA || stB.TcpState != c.wantB) {
				t.Errorf("tcp states A %d B %d, want %d %d", stA.TcpState, stB.TcpState, c.wantA, c.wantB)
			}
			if got := int(stA.WinThCnt + stB.WinThCnt); got != c.lowWinPkt {
				t.Errorf("%d low-window packets counted, want %d", got, c.lowWinPkt)
			}
			if alarm := (stA.Status|stB.Status)&datapath.StatAlarm != 0; alarm != (c.lowWinPkt > 0) {
				t.Errorf("FL_ALARM %v, want %v", alarm, c.lowWinPkt > 0)
			}
			if c.name == "syn-ack-first" && r[0].Key == keyB && stB.Status&datapath.StatInvert == 0 {
				t.Errorf("a SYN/ACK without opposite starts a B flow: status %#x", stB.Status)
			}
		})
	}
}

// TestLand sends a TCP packet whose key equals its reverse.
func TestLand(t *testing.T) {
	p := newEdgePair(t)
	f := frame(t, eth(layers.EthernetTypeIPv4), ip4(ipA, ipA, layers.IPProtocolTCP), tcpSeg(139, 139, "S", 1, 0, 100))
	r := p.frames(1, f, f)
	st := p.kernelState(r[0].Key)
	if st.Status&datapath.StatLandAttack == 0 || r[0].Opp != 0 || r[1].Opp != 0 {
		t.Errorf("status %#x opp %d %d, want LANDATTACK and no opposite", st.Status, r[0].Opp, r[1].Opp)
	}
}
