//go:build linux

package main

import (
	"fmt"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/userspace/bitdesc"
	"github.com/flowtap/flowtap/userspace/engine"
	"github.com/flowtap/flowtap/userspace/netdev"
	"github.com/flowtap/flowtap/userspace/report"
	"github.com/flowtap/flowtap/userspace/sweep"
)

// counterNames label the program's counters (bpf/maps.h enum counter_id)
// in the end report and the exit log.
var counterNames = map[gen.FlowtapCounterId][2]string{
	gen.FlowtapCounterIdCNT_PACKETS:           {"packets", "packets seen by the program"},
	gen.FlowtapCounterIdCNT_ERR_PARSE_ETH:     {"parse_short_eth", "parse failures: frame shorter than an Ethernet header"},
	gen.FlowtapCounterIdCNT_NO_FLOW:           {"no_flow", "packets without flow"},
	gen.FlowtapCounterIdCNT_FLOWS_CREATED:     {"flows_created", "flow directions created"},
	gen.FlowtapCounterIdCNT_ERR_FLOW_FULL:     {"flow_full", "flow-map insert failures (map full: packet punted)"},
	gen.FlowtapCounterIdCNT_FLOW_RACE:         {"flow_race", "flow inserts lost to another CPU"},
	gen.FlowtapCounterIdCNT_FRAG_HEAD_MISSING: {"frag_head_missing", "later fragments without their first fragment"},
	gen.FlowtapCounterIdCNT_ERR_FRAG_FULL:     {"frag_full", "fragment-table insert failures"},
	gen.FlowtapCounterIdCNT_FRAG_STALE:        {"frag_stale", "fragment-table entries whose flow had ended"},
	gen.FlowtapCounterIdCNT_DUMP_SELECTED:     {"dump_selected", "packets selected for extraction"},
	gen.FlowtapCounterIdCNT_DUMP_COPIED:       {"dump_copied", "selected packets copied to the ring buffer"},
	gen.FlowtapCounterIdCNT_DUMP_BYTES:        {"dump_bytes", "bytes of those packets"},
	gen.FlowtapCounterIdCNT_PUNT_COPIED:       {"punt_copied", "punted packets copied to the ring buffer"},
	gen.FlowtapCounterIdCNT_ERR_RB_RESERVE:    {"ring_full", "ring buffer reserve failures (copies lost)"},
	gen.FlowtapCounterIdCNT_SNAP_CUT:          {"snap_cut", "copies cut to the snap length"},
	gen.FlowtapCounterIdCNT_ERR_NO_META:       {"no_meta", "packets without replay metadata"},
}

// counterOrder is the report order of counterNames.
var counterOrder = []gen.FlowtapCounterId{
	gen.FlowtapCounterIdCNT_PACKETS, gen.FlowtapCounterIdCNT_ERR_PARSE_ETH, gen.FlowtapCounterIdCNT_NO_FLOW,
	gen.FlowtapCounterIdCNT_FLOWS_CREATED, gen.FlowtapCounterIdCNT_ERR_FLOW_FULL, gen.FlowtapCounterIdCNT_FLOW_RACE,
	gen.FlowtapCounterIdCNT_FRAG_HEAD_MISSING, gen.FlowtapCounterIdCNT_ERR_FRAG_FULL, gen.FlowtapCounterIdCNT_FRAG_STALE,
	gen.FlowtapCounterIdCNT_DUMP_SELECTED, gen.FlowtapCounterIdCNT_DUMP_COPIED, gen.FlowtapCounterIdCNT_DUMP_BYTES,
	gen.FlowtapCounterIdCNT_PUNT_COPIED, gen.FlowtapCounterIdCNT_ERR_RB_RESERVE, gen.FlowtapCounterIdCNT_SNAP_CUT,
	gen.FlowtapCounterIdCNT_ERR_NO_META,
}

// puntNames label enum punt_reason (bpf/types.h).
var puntNames = [...]string{"none", "link", "llc", "mpls", "pppoe", "ipip", "gre", "vxlan", "geneve", "teredo", "flow_full", "big"}

// puntCount returns the packets punted for reason i.
func puntCount(cnt []uint64, i int) uint64 {
	return cnt[int(gen.FlowtapCounterIdCNT_PUNT_BASE)+i]
}

// kernelLines renders every counter for the end report, punt reasons
// when non-zero, and the extraction balance.
func kernelLines(cnt []uint64, written uint64) []string {
	var out []string
	for _, id := range counterOrder {
		out = append(out, fmt.Sprintf("[INF] xdp: %s: %d", counterNames[id][1], cnt[id]))
	}
	var punts uint64
	for i := 1; i < len(puntNames); i++ {
		if n := puntCount(cnt, i); n > 0 {
			punts += n
			out = append(out, fmt.Sprintf("[INF] xdp: packets punted to the Go engine (%s): %d", puntNames[i], n))
		}
	}
	out = append(out, fmt.Sprintf("[INF] xdp: packets punted to the Go engine: %d", punts))
	return append(out, balanceLines(cnt, written, punts)...)
}

// balanceLines checks "packets written + packets counted as dropped =
// packets the kernel selected" for pcapd, and that every ring failure is
// accounted for.
func balanceLines(cnt []uint64, written, punts uint64) []string {
	selected := cnt[gen.FlowtapCounterIdCNT_DUMP_SELECTED]
	copied := cnt[gen.FlowtapCounterIdCNT_DUMP_COPIED]
	dropped := selected - copied
	var out []string
	if written+dropped == selected {
		out = append(out, fmt.Sprintf("[INF] pcapd: packets written %d + dropped %d = selected by the kernel %d", written, dropped, selected))
	} else {
		out = append(out, fmt.Sprintf("[ERR] pcapd: packets written %d + dropped %d != selected by the kernel %d (%d copied packets not written)",
			written, dropped, selected, int64(copied)-int64(written)))
	}
	if dropped > 0 {
		out = append(out, fmt.Sprintf("[WRN] pcapd: %d selected packets lost: the ring buffer was full", dropped))
	}
	puntLost := punts - cnt[gen.FlowtapCounterIdCNT_PUNT_COPIED]
	if puntLost > 0 {
		out = append(out, fmt.Sprintf("[WRN] xdp: %d punted packets lost: the ring buffer was full; their flows miss them", puntLost))
	}
	if rb := cnt[gen.FlowtapCounterIdCNT_ERR_RB_RESERVE]; rb != dropped+puntLost {
		out = append(out, fmt.Sprintf("[ERR] xdp: %d ring buffer failures, but %d extraction and %d punt copies missing", rb, dropped, puntLost))
	}
	return out
}

// addKernelCounts adds the kernel's packets and the flows the sweeper
// wrote to the engine's counters (which hold the punted packets).
func addKernelCounts(s *engine.Stats, cnt []uint64, sw *sweep.Stats) {
	// The program saw every packet, punted ones included.
	s.Packets = cnt[gen.FlowtapCounterIdCNT_PACKETS]
	s.NoFlow += cnt[gen.FlowtapCounterIdCNT_NO_FLOW]
	bytes := sw.ABytes + sw.BBytes
	s.Bytes += bytes
	s.RawBytes += bytes
	s.WireBytes += bytes
	s.PadBytes += sw.PadBytes
	s.APackets += sw.APackets
	s.BPackets += sw.BPackets
	s.ABytes += sw.ABytes
	s.BBytes += sw.BBytes
	s.LowWinPkts += sw.LowWinPkts
	s.L2Packets += sw.L2Packets
	s.ARPPackets += sw.ARPPackets
	s.RARPPackets += sw.RARPPackets
	s.IPv4Packets += sw.IPv4Packets
	s.IPv6Packets += sw.IPv6Packets
	s.TCPPackets += sw.TCPPackets
	s.UDPPackets += sw.UDPPackets
	s.ICMPPackets += sw.ICMPPackets
	s.ICMPv6Packets += sw.ICMPv6Packets
	s.IGMPPackets += sw.IGMPPackets
	s.SCTPPackets += sw.SCTPPackets
	s.TCPBytes += sw.TCPBytes
	s.UDPBytes += sw.UDPBytes
	s.SCTPBytes += sw.SCTPBytes
	s.Global |= sw.Global
}

// summary is the end report of the capture.
func (r *liveRun) summary(cnt []uint64, sw *sweep.Stats) *report.Summary {
	st := r.eng.Stats()
	s := st.Summary
	s.Program, s.Version, s.Date = "flowtap", version, r.start
	s.FlowLayers = "L2, IPv4, IPv6"
	s.AlarmMode, s.ForceMode = r.cfg.AlarmMode, r.cfg.ForceMode
	for _, n := range r.set.Names() {
		s.Plugins = append(s.Plugins, report.Plugin{Name: n, Version: version})
	}
	s.Live, s.Input = true, r.dev.Name
	s.LinkTypeDesc, s.LinkTypeName, s.LinkType = "Ethernet", "EN10MB", 1
	s.Snaplen = uint64(r.snaplen)
	// Live, the dump runs from attach to detach.
	s.FirstPacketNs, s.LastPacketNs = r.start.UnixNano(), r.stop.UnixNano()
	s.Elapsed, s.UnloadElapsed = r.stop.Sub(r.start), time.Since(r.start)
	s.LiveReceived = cnt[gen.FlowtapCounterIdCNT_PACKETS]
	s.LiveKernelDropped = cnt[gen.FlowtapCounterIdCNT_ERR_RB_RESERVE]
	s.LiveIfDropped = rxDropped(r.dev) - r.ifDrops
	s.AFlows += sw.AFlows
	s.BFlows += sw.BFlows
	s.L2Flows += sw.L2Flows
	s.IPv4Flows += sw.IPv4Flows
	s.IPv6Flows += sw.IPv6Flows
	s.CorrReplFlows += sw.CorrReplFlows
	s.ForcedFlows += sw.Forced
	s.MaxFlowsInMemory = max(s.MaxFlowsInMemory, sw.MaxLive)
	s.FlowTableSize = uint64(r.cfg.FlowCapacity)
	s.FlowStat |= sw.Global &^ 1
	s.DecodeLines = bitdesc.ReportLines(s.FlowStat)
	s.PeakRSSKiB, s.MemTotal = memoryFigures()
	written, failed, _ := r.sink.extractions()
	w := []string{fmt.Sprintf("[INF] XDP program id %d ran on %s in %s mode (requested %s) from %s to %s; ended by %s",
		r.progID, r.dev.Name, r.mode, r.cfg.XDPMode, r.start.UTC().Format(time.RFC3339Nano), r.stop.UTC().Format(time.RFC3339Nano), r.why)}
	w = append(w, r.warnings...)
	w = append(w, kernelLines(cnt, written)...)
	if failed > 0 {
		w = append(w, fmt.Sprintf("[ERR] pcapd: %d extracted packets could not be written to %s", failed, r.set.Pcapd.Path()))
	}
	cs := r.conv.Stats()
	w = append(w, fmt.Sprintf("[INF] kernel time to wall clock: offset %d ns, %d samples, largest step %d ns", cs.Offset, cs.Samples, cs.MaxStep))
	w = append(w, st.Anomalies.Lines(r.dev.Name)...)
	s.Warnings = append(w, s.Warnings...)
	return &s
}

// logCounters logs every counter at exit.
func (r *liveRun) logCounters(cnt []uint64, sw *sweep.Stats) {
	args := []any{"ifname", r.dev.Name, "xdp_mode", r.mode}
	for _, id := range counterOrder {
		args = append(args, counterNames[id][0], cnt[id])
	}
	for i := 1; i < len(puntNames); i++ {
		args = append(args, "punt_"+puntNames[i], puntCount(cnt, i))
	}
	written, _, _ := r.sink.extractions()
	args = append(args, "pcapd_written", written, "flows_written", sw.Pairs, "sweeps", sw.Sweeps, "sweep_errors", sw.Errors)
	r.log.Info("xdp counters", args...)
}

// rxDropped reads the packets the interface dropped before the host saw
// them (rx_missed_errors + rx_fifo_errors; 0 when unknown). rx_dropped is
// not used: it also counts what the stack discards after XDP passed it.
func rxDropped(dev *netdev.Device) uint64 {
	l, err := netlink.LinkByIndex(dev.Index)
	if err != nil || l.Attrs().Statistics == nil {
		return 0
	}
	st := l.Attrs().Statistics
	return st.RxMissedErrors + st.RxFifoErrors
}
