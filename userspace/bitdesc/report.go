package bitdesc

// reportLine is one conditional line of T2's T2_PRINT_GLOBALWARN: printed
// when any bit of mask is set in the aggregated flowStat.
type reportLine struct {
	mask uint64
	text string // with its "[WRN] " or "[INF] " prefix
}

// bit returns the flowStat mask of bit n (t2-semantics.md section 6).
func bit(n uint) uint64 { return 1 << n }

// ReportLines returns the lines T2 prints after the aggregated flowStat at the
// end of its report (T2 main.c, T2_PRINT_GLOBALWARN; t2-semantics.md section
// 8, item 11): warnings first, then information lines in T2's fixed order,
// "[INF] IPAlarm" last. Lines carry no newline and no colour codes. The alarm
// count and force-mode lines that T2 prints before them are not included.
func ReportLines(aggrFlowStat uint64) []string {
	var out []string
	for _, l := range reportTable() {
		if aggrFlowStat&l.mask != 0 {
			out = append(out, l.text)
		}
	}
	return out
}

// reportTable lists T2's lines in print order. Texts that depend on T2 build
// options are fixed to the values of the reference workflow: IPV6_ACTIVATE=2
// ("IPv4 flows", "IPv6 flows"), SCTP_ACTIVATE=0 ("SCTP") and
// FRAG_HLST_CRFT=1 (no ", trailing packets ignored" suffix).
func reportTable() []reportLine {
	return []reportLine{
		{bit(32), "[WRN] L2 header snapped"},                                                          // L2SNAPLENGTH
		{bit(33), "[WRN] L3 SnapLength < Length in IP header"},                                        // L3SNAPLENGTH
		{bit(34), "[WRN] L3 header snapped"},                                                          // L3HDRSHRTLEN
		{bit(35), "[WRN] L4 header snapped"},                                                          // L4HDRSHRTLEN
		{bit(50), "[WRN] Land attack"},                                                                // LANDATTACK
		{bit(51), "[WRN] Timestamp jump, probably due to multi-path packet delay or NTP operation"},   // TIMEJUMP
		{bit(44), "[WRN] Consecutive duplicate IP ID"},                                                // DUPIPID
		{bit(63), "[WRN] PCAP packet length > IO_BUFFER_MAX_MTU, caplen reduced"},                     // PCAPSNPD
		{bit(48), "[WRN] Header description overrun"},                                                 // HDOVRN
		{bit(16), "[WRN] IPvX L3 header bogus packets"},                                               // L3_IPVX
		{bit(46), "[WRN] IPv4 header length < 20 bytes"},                                              // IPV4_HL_TOO_SHORT
		{bit(47), "[WRN] IPv4/6 payload length > framing length"},                                     // IP_PL_MSMTCH
		{bit(38), "[WRN] IPv4/6 fragmentation header packet missing"},                                 // IPV4_FRAG_HDSEQ_ERR
		{bit(39), "[WRN] IPv4/6 packet fragmentation sequence not finished"},                          // IPV4_FRAG_PENDING
		{bit(43), "[INF] Stop dissecting: Clipped packet, unhandled protocol or subsequent fragment"}, // STPDSCT
		{bit(2), "[INF] Layer 2 flows"},                                                               // L2_FLOW
		{bit(60), "[INF] LAPD flows"},                                                                 // LAPD_FLOW
		{bit(14) | bit(58), "[INF] IPv4 flows"},                                                       // L2_IPV4 | FS_IPV4_PKT
		{bit(15) | bit(59), "[INF] IPv6 flows"},                                                       // L2_IPV6 | FS_IPV6_PKT
		{bit(24), "[INF] SCTP"},                                                                       // L4_SCTP
		{bit(1), "[INF] No Ethernet header"},                                                          // L2_NO_ETH
		{bit(6), "[INF] ARP"},                                                                         // L2_ARP
		{bit(7), "[INF] RARP"},                                                                        // L2_RARP
		{bit(5), "[INF] LLDP"},                                                                        // L2_LLDP
		{bit(18), "[INF] EtherIP"},                                                                    // L3_ETHIPF
		{bit(8), "[INF] VLAN encapsulation"},                                                          // L2_VLAN
		{bit(57), "[INF] VLAN ID 0 (priority tag)"},                                                   // FS_VLAN0
		{bit(36), "[INF] IPv4/6 fragmentation"},                                                       // IPV4_FRAG
		{bit(17), "[INF] IPv4/6 in IPv4/6"},                                                           // L3_IPIP
		{bit(22), "[INF] VXLAN encapsulation"},                                                        // L3_VXLAN
		{bit(29), "[INF] GENEVE encapsulation"},                                                       // L3_GENEVE
		{bit(9) | bit(10), "[INF] MPLS encapsulation"},                                                // L2_MPLS = unicast | multicast
		{bit(11), "[INF] L2TP encapsulation"},                                                         // L2_L2TP
		{bit(13), "[INF] PPP/HDLC encapsulation"},                                                     // L2_PPP
		{bit(12), "[INF] GRE encapsulation"},                                                          // L2_GRE
		{bit(26), "[INF] ERSPAN encapsulation"},                                                       // L2_ERSPAN
		{bit(27), "[INF] WCCP encapsulation"},                                                         // L2_WCCP
		{bit(20), "[INF] AYIYA tunnel"},                                                               // L3_AYIYA
		{bit(21), "[INF] GTP tunnel"},                                                                 // L3_GTP
		{bit(19), "[INF] Teredo tunnel"},                                                              // L3_TRDO
		{bit(23), "[INF] CAPWAP/LWAPP tunnel"},                                                        // L3_CAPWAP
		{bit(30), "[INF] IPsec AH"},                                                                   // L3_IPSEC_AH
		{bit(31), "[INF] IPsec ESP"},                                                                  // L3_IPSEC_ESP
		{bit(25), "[INF] SSDP/UPnP"},                                                                  // L4_UPNP
		{bit(28), "[INF] SIP/RTP"},                                                                    // L7_SIPRTP
		{bit(61), "[INF] DTLS"},                                                                       // L7_DTLS
		{bit(56), "[INF] Tor addresses"},                                                              // TORADD
		{bit(49), "[INF] IPAlarm"},                                                                    // FL_ALARM
	}
}
