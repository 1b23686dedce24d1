package report

import "time"

// Summary holds the raw figures of one run. The engine fills it; Write
// derives every percentage, ratio, rate and asymmetry from it. Names in
// brackets are the T2 0.9.3 globals each field stands for (main.c, t2stats.h).
// Counters whose line T2 omits when zero are omitted by Write too.
type Summary struct {
	// Banner (t2-semantics.md section 8, item 1).

	// Program names the analyser on the banner line, normally "flowtap".
	Program string
	// Version is printed after Program on the banner line.
	Version string
	// Date is the wall-clock start of the run, printed in its own location.
	Date time.Time
	// FlowLayers is the text after "[INF] Creating flows for ", e.g.
	// "L2, IPv4, IPv6" (T2_CONF_REPORT).
	FlowLayers string
	// AlarmMode appends " [ALARM]" to the "Creating flows" line (ALARM_MODE).
	AlarmMode bool
	// ForceMode appends " [FORCE]" to the "Creating flows" line (FORCE_MODE).
	ForceMode bool
	// Plugins are the active analysers in load order ("    01: name, version").
	// The "Active plugins:" block is omitted when empty, as T2 does.
	Plugins []Plugin
	// InitLines are printed verbatim after the plugin list, where T2 prints
	// its subnet-database "[INF]" lines and plugin initialisation messages.
	InitLines []string

	// Input (item 2).

	// Input is the capture file name, or the interface name when Live.
	Input string
	// Live selects "Live capture on interface:" instead of "Processing file:",
	// drops the pcap-file lines and prints the Live* counters.
	Live bool
	// LinkTypeDesc, LinkTypeName and LinkType form "Link layer type:
	// Ethernet [EN10MB/1]" (libpcap description, name and DLT number).
	LinkTypeDesc string
	LinkTypeName string
	LinkType     int
	// Snaplen is the capture's snapshot length.
	Snaplen uint64
	// FirstPacketNs and LastPacketNs are the capture times (Unix ns) of the
	// first and of the last packet read [startTStamp, actTime]. The last
	// packet's time, not the latest time: the dump duration is their
	// difference, as in T2.
	FirstPacketNs int64
	LastPacketNs  int64
	// Elapsed is the processing time until the last packet was handled.
	Elapsed time.Duration
	// UnloadElapsed is the time until all flows were written ("Finished
	// unloading flow memory"), counted from the same start as Elapsed.
	UnloadElapsed time.Duration
	// PcapFileSize is the capture file size in bytes [captureFileSize]; 0
	// omits "Number of pcap bytes" and "Percentage completed".
	PcapFileSize uint64
	// LiveReceived, LiveKernelDropped and LiveIfDropped are the interface
	// counters T2 reads from pcap_stats in live mode (printed when Live and
	// non-zero, as % of their sum).
	LiveReceived      uint64
	LiveKernelDropped uint64
	LiveIfDropped     uint64

	// Packets and bytes (item 4).

	// Packets counts every record read, including zero-length ones [numPackets].
	Packets uint64
	// Bytes is the sum of captured lengths [bytesProcessed].
	Bytes uint64
	// RawBytes is the sum of original (wire) lengths [rawBytesOnWire].
	RawBytes uint64
	// APackets and BPackets count packets of flows without and with flowStat
	// bit 0 (section 2) [numAPackets, numBPackets]. Packets minus their sum is
	// printed as "packets without flow".
	APackets uint64
	BPackets uint64
	// ABytes and BBytes are the captured bytes of those packets.
	ABytes uint64
	BBytes uint64

	// Protocols (item 6).

	// PacketCounts are the figures taken from each packet alone.
	PacketCounts

	// IPv4FragPackets and IPv6FragPackets count fragments, printed as % of
	// IPv4Packets and IPv6Packets [numFragV4Packets, numFragV6Packets].
	IPv4FragPackets uint64
	IPv6FragPackets uint64

	// Flows (items 7 and 8). Processed flows (directions) = AFlows + BFlows,
	// as T2's terminate() computes totalFlows.

	// AFlows counts flows created without a reverse flow [totalAFlows].
	AFlows uint64
	// BFlows counts flows created with a reverse flow [totalBFlows].
	BFlows uint64
	// L2Flows, IPv4Flows and IPv6Flows count flows by kind [totalL2Flows, …].
	L2Flows   uint64
	IPv4Flows uint64
	IPv6Flows uint64
	// CorrReplFlows counts singletons written with bit 0 set [corrReplFlws]:
	// request flows = AFlows − CorrReplFlows, reply = BFlows + CorrReplFlows.
	CorrReplFlows uint64
	// MaxFlowsInMemory is the peak number of live flow directions
	// [maxNumFlowsPeak]; FlowTableSize the table capacity
	// [hashChainTableSize]. A zero FlowTableSize omits the line.
	MaxFlowsInMemory uint64
	FlowTableSize    uint64
	// AutopilotFlows counts flows evicted because the table was full
	// [totalRmFlows], printed as % of processed flows.
	AutopilotFlows uint64
	// PeakRSSKiB is getrusage's ru_maxrss (KiB on Linux) and MemTotal the
	// physical memory in bytes. T2 divides ru_maxrss by 1e6 for "GB" and
	// multiplies it by 1000 for the percentage; Write does the same.
	PeakRSSKiB uint64
	MemTotal   uint64
	// FlowStat is the aggregated flowStat register [globalWarn] (section 6).
	FlowStat uint64
	// Alarms is the sum of the values plugins reported as alarms
	// [numAlarms]; AlarmFlows the number of reports [numAlarmFlows].
	Alarms     uint64
	AlarmFlows uint64
	// ForcedFlows counts flows terminated by force mode [numForced].
	ForcedFlows uint64

	// Preformatted lines.

	// PluginLines are the plugins' report lines, printed between the two
	// lines of 80 '-'.
	PluginLines []string
	// DecodeLines are the [WRN]/[INF] lines decoding FlowStat (T2's
	// T2_PRINT_GLOBALWARN), printed after the alarm and force-mode lines.
	DecodeLines []string
	// Warnings are flowtap's own lines (read errors, kernel-side drop and
	// error counters). They have no T2 equivalent, so they come last, after
	// DecodeLines: every T2 line keeps its position.
	Warnings []string
}

// PacketCounts are the report figures that depend on each packet alone,
// not on its flow: header and protocol counts, padding and wire bytes.
// Keeping them apart lets the engine count them on the goroutine that
// parses, ahead of the flow table.
type PacketCounts struct {
	// PadBytes is the sum of Ethernet padding of short frames [padBytesOnWire].
	PadBytes uint64
	// L2Packets counts non-IP packets [numL2Packets].
	L2Packets uint64
	// IPv4Packets, IPv6Packets and IPvXPackets count packets by IP version
	// [numV4Packets, numV6Packets, numVxPackets].
	IPv4Packets uint64
	IPv6Packets uint64
	IPvXPackets uint64
	// Headers is the per-packet header count accumulator.
	Headers HeaderCount
	// MaxVLANHeaders is printed when FlowStat has L2_VLAN [vlanHdrCntMx].
	MaxVLANHeaders uint8
	// MaxMPLSHeaders is printed when FlowStat has an MPLS bit [mplsHdrCntMx].
	MaxMPLSHeaders uint8
	// Per-protocol packet counters, printed as % of Packets when non-zero.
	LLCPackets    uint64 // 802.2 LLC frames [numLLCPackets]
	ARPPackets    uint64 // ethertype 0x0806 [numPacketsL2[ETHERTYPE_ARP]]
	RARPPackets   uint64 // ethertype 0x8035
	GREPackets    uint64 // packets with L2_GRE [numGREPackets]
	LAPDPackets   uint64 // [numLAPDPackets]
	TeredoPackets uint64 // packets with L3_TRDO [numTeredoPackets]
	AYIYAPackets  uint64 // packets with L3_AYIYA [numAYIYAPackets]
	IGMPPackets   uint64 // IP protocol 2 [numPacketsL3[L3_IGMP]]
	ICMPPackets   uint64 // IP protocol 1
	ICMPv6Packets uint64 // IP protocol 58
	TCPPackets    uint64 // IP protocol 6
	UDPPackets    uint64 // IP protocol 17
	SCTPPackets   uint64 // IP protocol 132; printed only when FlowStat has L4_SCTP
	DTLSPackets   uint64 // [numDTLSPackets]
	// TCPBytes, UDPBytes and SCTPBytes are the captured bytes of those
	// packets [numBytesL3[…]], printed as % of Bytes.
	TCPBytes  uint64
	UDPBytes  uint64
	SCTPBytes uint64
	// WireBytes is the L2 length estimated from IP lengths, summed for
	// <Bandwidth> [bytesOnWire].
	WireBytes uint64
}

// Plugin names one active analyser.
type Plugin struct {
	// Name is the plugin name, e.g. "basicFlow".
	Name string
	// Version is the plugin version string, e.g. "0.9.3".
	Version string
}

// HeaderCount accumulates the number of headers per packet for the
// "Headers count: min: 2, max: 3, avg: 2.87" line. The zero value is ready
// to use. Like T2 it keeps a float32 running mean rather than a sum: after
// a few thousand mixed packets the two can differ in the second decimal, so
// only the running mean reproduces T2's line.
type HeaderCount struct {
	// Min is the smallest count seen; meaningful only when Seen > 0 (T2
	// prints 65535, its initial value, when no packet was counted).
	Min uint16
	// Max is the largest count seen.
	Max uint16
	// Seen is the number of packets observed.
	Seen uint64
	// Mean is T2's float32 running mean [avgHdrDesc].
	Mean float32
}

// Observe adds one packet with hdrs headers. packetNum is the packet's
// ordinal among all records read, counting this one (T2's numPackets at that
// moment); T2 divides by it rather than by Seen, so records skipped before
// dissection (zero capture length) still weigh on the mean.
func (h *HeaderCount) Observe(hdrs uint16, packetNum uint64) {
	if h.Seen == 0 || hdrs < h.Min {
		h.Min = hdrs
	}
	h.Max = max(h.Max, hdrs)
	h.Seen++
	if packetNum == 0 {
		packetNum = h.Seen
	}
	if h.Seen > 1 && float32(hdrs) == h.Mean {
		// The blend of a value with itself stays put: blendMean's double
		// computation errs by a few double ulps, far below half a
		// float ulp, so it would round back to Mean. Skipping it spares
		// the division on the usual packet, whose stack is the mean.
		return
	}
	h.Mean = blendMean(h.Mean, hdrs, packetNum)
}

// blendMean is T2's running mean with its mixed precision: t is a float,
// the blend is computed in double and stored back into a float.
func blendMean(mean float32, hdrs uint16, packetNum uint64) float32 {
	t := float32(1.0 / float64(packetNum))
	return float32((1.0-float64(t))*float64(mean) + float64(t)*float64(float32(hdrs)))
}

// reportedMin returns Min, or 65535 (T2's initial minHdrDesc) when nothing was seen.
func (h *HeaderCount) reportedMin() uint16 {
	if h.Seen == 0 {
		return 0xffff
	}
	return h.Min
}
