package report

import "time"

// Summaries rebuilt by hand from the figures printed in the T2 0.9.3
// reference end reports (../shared/t2-reference). Plugin and decode lines are
// inputs to Write, so they are copied from the same reports. WireBytes is not
// printed by T2; the values below are the IP captured bytes, which give the
// printed <Bandwidth>.

// t2Plugins is the plugin list of every reference run.
func t2Plugins() []Plugin {
	var ps []Plugin
	for _, n := range []string{"basicFlow", "basicStats", "tcpStates", "tcpWin", "txtSink", "pcapd"} {
		ps = append(ps, Plugin{Name: n, Version: "0.9.3"})
	}
	return ps
}

// baseSummary holds what every reference run shares; run-specific lines
// (Date, elapsed times, memory) get arbitrary values, the test masks them.
func baseSummary() Summary {
	return Summary{
		Program:    "flowtap",
		Version:    "0.1.0-test",
		Date:       time.Unix(1795664316, 10379000).UTC(),
		FlowLayers: "L2, IPv4, IPv6",
		Plugins:    t2Plugins(),
		InitLines: []string{
			"[INF] IPv4 Ver: 5, Rev: 03012021, Range Mode: 0, subnet ranges loaded: 329",
			"[INF] IPv6 Ver: 5, Rev: 09082023, Range Mode: 0, subnet ranges loaded: 40567 (40.57 K)",
		},
		LinkTypeDesc:  "Ethernet",
		LinkTypeName:  "EN10MB",
		LinkType:      1,
		Snaplen:       65535,
		Elapsed:       996540 * time.Nanosecond,
		UnloadElapsed: 1149229 * time.Nanosecond,
		FlowTableSize: 262144,
		PeakRSSKiB:    10000,
		MemTotal:      20e9,
	}
}

// constHeaders is a HeaderCount of n packets with hdrs headers each.
func constHeaders(n uint64, hdrs uint16) HeaderCount {
	var h HeaderCount
	for i := uint64(1); i <= n; i++ {
		h.Observe(hdrs, i)
	}
	return h
}

func bgpSummary() *Summary {
	s := baseSummary()
	s.Input = "bgp-4byte-asn.pcap"
	s.FirstPacketNs, s.LastPacketNs = 1555002999743518000, 1555003020444552000
	s.Packets, s.Bytes, s.RawBytes, s.PcapFileSize = 91, 7237, 7237, 8717
	s.L2Packets, s.IPv4Packets = 12, 79
	s.APackets, s.BPackets, s.ABytes, s.BBytes = 52, 39, 4197, 3040
	for i := range 91 { // 12 ARP frames (eth:arp) among 79 eth:ipv4:tcp
		hdrs := uint16(3)
		if i%8 == 0 {
			hdrs = 2
		}
		s.Headers.Observe(hdrs, uint64(i+1))
	}
	s.ARPPackets, s.TCPPackets, s.TCPBytes = 12, 79, 6733
	s.AFlows, s.BFlows, s.L2Flows, s.IPv4Flows = 14, 8, 10, 12
	s.WireBytes = 6733
	s.MaxFlowsInMemory = 18
	s.FlowStat = 0x0402000000004044
	s.Alarms, s.AlarmFlows = 2, 2
	s.PluginLines = []string{
		"basicStats: Flow max(pktload): 36",
		"basicStats: Flow max(b/s), pkts: 432, 9",
		"basicStats: Biggest L2 flow talker: e2:c3:b4:8e:87:60: 2 [2.20%] packets",
		"basicStats: Biggest L2 flow talker: e2:c3:b4:8e:87:60: 56 [0.77%] bytes",
		"basicStats: Biggest L3 flow talker: 1.0.3.1: 11 [12.09%] packets",
		"basicStats: Biggest L3 flow talker: 1.0.4.1: 327 [4.52%] bytes",
		"tcpStates: Aggregated tcpStatesAFlags=0x43",
		"tcpWin: Aggregated winStatG=0x01",
		"tcpWin: Number of TCP packets with window below threshold: 2 [2.20%]",
		"pcapd: number of packets extracted: 2 [2.20%]",
	}
	s.DecodeLines = []string{"[INF] Layer 2 flows", "[INF] IPv4 flows", "[INF] ARP", "[INF] IPAlarm"}
	return &s
}

func httpXMLSummary() *Summary {
	s := baseSummary()
	s.Input = "ipv4_tcp_http_xml.pcap"
	s.Snaplen = 9096
	s.FirstPacketNs, s.LastPacketNs = 1395173523342266000, 1395173523342266000
	s.Packets, s.Bytes, s.RawBytes, s.PcapFileSize = 1, 663, 663, 703
	s.IPv4Packets = 1
	s.BPackets, s.BBytes = 1, 663
	s.Headers = constHeaders(1, 4)
	s.MaxVLANHeaders = 1
	s.TCPPackets, s.TCPBytes = 1, 663
	s.AFlows, s.IPv4Flows, s.CorrReplFlows = 1, 1, 1
	s.WireBytes = 663
	s.MaxFlowsInMemory = 1
	s.FlowStat = 0x0400000000004100
	s.PluginLines = []string{
		"basicStats: Flow max(pktload): 605",
		"basicStats: Flow max(b/s), pkts: 0, 0",
		"basicStats: Biggest L3 flow talker: 10.21.11.94: 1 [100.00%] packets",
		"basicStats: Biggest L3 flow talker: 10.21.11.94: 605 [91.25%] bytes",
		"tcpStates: Aggregated tcpStatesAFlags=0x03",
	}
	s.DecodeLines = []string{"[INF] IPv4 flows", "[INF] VLAN encapsulation"}
	return &s
}

func mptcpSummary() *Summary {
	s := baseSummary()
	s.Input = "mptcp-v0.pcap"
	s.FirstPacketNs, s.LastPacketNs = 1361796995701161000, 1361797004766202000
	s.Packets, s.Bytes, s.RawBytes, s.PcapFileSize = 264, 35146, 35146, 39394
	s.IPv4Packets = 264
	s.APackets, s.BPackets, s.ABytes, s.BBytes = 153, 111, 17203, 17943
	s.Headers = constHeaders(264, 3)
	s.TCPPackets, s.TCPBytes = 264, 35146
	s.AFlows, s.BFlows, s.IPv4Flows = 2, 2, 4
	s.WireBytes = 35146
	s.MaxFlowsInMemory = 4
	s.FlowStat = 0x0400000000004000
	s.PluginLines = []string{
		"basicStats: Flow max(pktload): 106",
		"basicStats: Flow max(b/s), pkts: 7160 (7.16 Kb/s), 80",
		"basicStats: Biggest L3 flow talker: 10.2.1.2: 110 [41.67%] packets",
		"basicStats: Biggest L3 flow talker: 10.1.1.2: 5257 (5.26 K) [14.96%] bytes",
		"tcpStates: Aggregated tcpStatesAFlags=0x42",
	}
	s.DecodeLines = []string{"[INF] IPv4 flows"}
	return &s
}

func of10Summary() *Summary {
	s := baseSummary()
	s.Input = "of10_pf5240.pcap"
	s.FirstPacketNs, s.LastPacketNs = 1377692469940811000, 1377692480463750000
	s.Packets, s.Bytes, s.RawBytes, s.PcapFileSize = 48, 8404, 8404, 9196
	s.IPv4Packets = 48
	s.APackets, s.BPackets, s.ABytes, s.BBytes = 22, 26, 5764, 2640
	s.Headers = constHeaders(48, 3)
	s.TCPPackets, s.TCPBytes = 48, 8404
	s.AFlows, s.BFlows, s.IPv4Flows = 3, 3, 6
	s.WireBytes = 8404
	s.MaxFlowsInMemory = 4
	s.FlowStat = 0x0402000000004000
	s.Alarms, s.AlarmFlows = 2, 2
	s.PluginLines = []string{
		"basicStats: Flow max(pktload): 214",
		"basicStats: Flow max(b/s), pkts: 61215 (61.22 Kb/s), 20",
		"basicStats: Biggest L3 flow talker: 172.16.1.51: 24 [50.00%] packets",
		"basicStats: Biggest L3 flow talker: 172.16.1.101: 4288 (4.29 K) [51.02%] bytes",
		"tcpStates: Aggregated tcpStatesAFlags=0x43",
		"tcpWin: Aggregated winStatG=0x01",
		"tcpWin: Number of TCP packets with window below threshold: 2 [4.17%]",
		"pcapd: number of packets extracted: 2 [4.17%]",
	}
	s.DecodeLines = []string{"[INF] IPv4 flows", "[INF] IPAlarm"}
	return &s
}

// zerowinSummary is the synthetic capture; PD_OPP changes only the number of
// packets pcapd extracted.
func zerowinSummary(extracted string) *Summary {
	s := baseSummary()
	s.Input = "zerowin-synthetic.pcap"
	s.FirstPacketNs, s.LastPacketNs = 1700000000010000000, 1700000000220000000
	s.Packets, s.Bytes, s.RawBytes, s.PcapFileSize = 22, 1349, 1349, 1725
	s.IPv4Packets = 22
	s.APackets, s.BPackets, s.ABytes, s.BBytes = 13, 9, 716, 633
	s.Headers = constHeaders(22, 3)
	s.ICMPPackets = 2
	s.TCPPackets, s.TCPBytes = 18, 1141
	s.UDPPackets, s.UDPBytes = 2, 108
	s.AFlows, s.BFlows, s.IPv4Flows = 4, 4, 8
	s.WireBytes = 1349
	s.MaxFlowsInMemory = 8
	s.FlowStat = 0x0402000000004000
	s.Alarms, s.AlarmFlows = 4, 3
	s.PluginLines = []string{
		"basicStats: Flow max(pktload): 25",
		"basicStats: Flow max(b/s), pkts: 10981 (10.98 Kb/s), 6",
		"basicStats: Biggest L3 flow talker: 10.0.0.1: 8 [36.36%] packets",
		"basicStats: Biggest L3 flow talker: 10.0.0.2: 151 [11.19%] bytes",
		"tcpStates: Aggregated tcpStatesAFlags=0x42",
		"tcpWin: Aggregated winStatG=0x01",
		"tcpWin: Number of TCP packets with window below threshold: 4 [18.18%]",
		"pcapd: number of packets extracted: " + extracted,
	}
	s.DecodeLines = []string{"[INF] IPv4 flows", "[INF] IPAlarm"}
	return &s
}

func bigSummary() *Summary {
	s := baseSummary()
	s.Input = "big.pcap"
	s.FirstPacketNs, s.LastPacketNs = 1700000000000010000, 1700000020027160000
	s.Packets, s.Bytes, s.RawBytes, s.PcapFileSize = 2000000, 508000000, 508000000, 540000024
	s.IPv4Packets = 2000000
	s.APackets, s.BPackets, s.ABytes, s.BBytes = 1199403, 800597, 304648362, 203351638
	s.Headers = HeaderCount{Min: 3, Max: 3, Seen: 2000000, Mean: 3}
	s.TCPPackets, s.TCPBytes = 2000000, 508000000
	s.AFlows, s.BFlows, s.IPv4Flows = 100000, 99969, 199969
	s.WireBytes = 508000000
	s.MaxFlowsInMemory = 199969
	s.FlowStat = 0x0402100000004000
	s.Alarms, s.AlarmFlows = 1009, 1008
	s.PluginLines = []string{
		"basicStats: Flow max(pktload): 200",
		"basicStats: Flow max(b/s), pkts: 588559 (588.56 Kb/s), 2",
		"basicStats: Biggest L3 flow talker: 10.0.246.16: 30 [0.00%] packets",
		"basicStats: Biggest L3 flow talker: 10.0.246.16: 6000 (6.00 K) [0.00%] bytes",
		"tcpStates: Aggregated tcpStatesAFlags=0x03",
		"tcpWin: Aggregated winStatG=0x01",
		"tcpWin: Number of TCP packets with window below threshold: 1009 [0.05%]",
		"pcapd: number of packets extracted: 10939 (10.94 K) [0.55%]",
	}
	s.DecodeLines = []string{"[WRN] Consecutive duplicate IP ID", "[INF] IPv4 flows", "[INF] IPAlarm"}
	return &s
}
