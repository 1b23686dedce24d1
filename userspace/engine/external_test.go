package engine

import (
	"slices"
	"testing"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/flowtable"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// kernelPair is a TCP pair as the kernel's map would hold it: A
// 10.9.0.1:5555 -> 10.9.0.2:80 with 40 packets, 35 of them with a zero
// window (an alarm for tcpWin), and its B side.
func kernelPair() (a, b flowtable.Flow) {
	a.Key.SrcIp, a.Key.DstIp = testenv.FlowKeyIP("10.9.0.1"), testenv.FlowKeyIP("10.9.0.2")
	a.Key.SrcPort, a.Key.DstPort, a.Key.L4Proto, a.Key.EthType = 5555, 80, datapath.ProtoTCP, 0x0800
	b.Key = a.Key
	b.Key.SrcIp, b.Key.DstIp, b.Key.SrcPort, b.Key.DstPort = a.Key.DstIp, a.Key.SrcIp, 80, 5555
	base := datapath.State{FlowInd: 77, FirstNs: uint64(t0), LastNs: uint64(t0 + sec), TimeoutNs: 182 * uint64(sec), MinL7: 0xffff}
	a.State, b.State = base, base
	a.State.Status = datapath.StatIPv4 | datapath.StatAlarm
	a.State.Pkts, a.State.CapBytes, a.State.TcpPkts, a.State.WinThCnt, a.State.WinStat = 40, 2400, 40, 35, 1
	b.State.Status = datapath.StatIPv4 | datapath.StatInvert
	b.State.Pkts, b.State.CapBytes, b.State.TcpPkts = 2, 120, 2
	return a, b
}

// TestEmitExternal checks that pairs owned outside the engine are
// written A then B, in call order with the engine's own flows, observed
// by the plugins (tcpWin's alarm counts), and that Expire and AddCounts
// feed the same report.
func TestEmitExternal(t *testing.T) {
	r := newRig(t, false)
	r.feed(0, udpPkt(t, "10.0.0.1", 1000, "10.0.0.2", 53, 10)) // Go-owned flow, flowInd 1
	a, b := kernelPair()
	r.eng.Expire(uint64(t0 + 100*sec)) // not due yet
	r.eng.Emit(&a, &b)
	r.eng.Expire(uint64(t0 + 200*sec)) // the UDP flow times out now
	single := a
	single.Key.SrcPort, single.State.FlowInd = 6666, 78
	r.eng.Emit(&single, nil)
	r.eng.AddCounts(func(s *Stats) {
		s.Packets += 42
		s.APackets, s.ABytes, s.BBytes, s.LowWinPkts = s.APackets+40, s.ABytes+2400, s.BBytes+120, s.LowWinPkts+35
	})
	ls := r.finish()
	got := r.summary(ls)
	want := []string{"A 77 10.9.0.1:5555>10.9.0.2:80 40", "B 77 10.9.0.2:80>10.9.0.1:5555 2", "A 1 10.0.0.1:1000>10.0.0.2:53 1", "A 78 10.9.0.1:6666>10.9.0.2:80 40"}
	if !slices.Equal(got, want) {
		t.Fatalf("flow lines\n got %q\nwant %q", got, want)
	}
	st := r.eng.Stats()
	if st.Packets != 43 || st.AlarmFlows != 2 || st.Alarms != 70 {
		t.Errorf("stats: %d packets, %d alarm flows, %d alarms; want 43, 2 (both external A sides), 70", st.Packets, st.AlarmFlows, st.Alarms)
	}
	// tcpWin's total comes from the added count, its share from the
	// added packets: 35 of 43 packets.
	if !slices.Contains(st.PluginLines, "tcpWin: Number of TCP winsize packets below threshold 1: 35 [81.40%]") {
		t.Errorf("plugin lines %q lack the added low-window total", st.PluginLines)
	}
}
