package bitdesc

// The description texts below are the exact strings T2 0.9.3 prints for each
// bit (scripts/tawk/vars/<column>); they are output that must match byte for
// byte, so they are not reworded. "-" marks a bit T2 leaves unused.

// Column names accepted by Decode and DecodeAll.
const (
	ColFlowStat        = "flowStat"
	ColTCPStatesAFlags = "tcpStatesAFlags"
	ColTCPWinStat      = "tcpWinStat"
)

// width is how a column's values are printed: H8 or H64.
type width int

const (
	h8 width = iota
	h64
)

// table holds the bit descriptions of one status column, indexed by bit.
type table struct {
	column string
	width  width
	desc   []string
}

// Columns returns the names of the columns this package can decode, in a
// fixed order.
func Columns() []string {
	return []string{ColFlowStat, ColTCPStatesAFlags, ColTCPWinStat}
}

// lookup returns the table of column. Tables are built on each call so that
// no package-level mutable state exists.
func lookup(column string) (table, bool) {
	switch column {
	case ColFlowStat:
		return table{column: column, width: h64, desc: flowStatDesc()}, true
	case ColTCPStatesAFlags:
		return table{column: column, width: h8, desc: tcpStatesAFlagsDesc()}, true
	case ColTCPWinStat:
		return table{column: column, width: h8, desc: tcpWinStatDesc()}, true
	}
	return table{}, false
}

// flowStatDesc returns the 64 flowStat texts (t2-semantics.md section 6).
func flowStatDesc() []string {
	return []string{
		0:  "Inverted flow, did not initiate connection",
		1:  "No Ethernet header",
		2:  "Pure L2 flow",
		3:  "Point to Point Protocol over Ethernet Discovery (PPPoED)",
		4:  "Point to Point Protocol over Ethernet Service (PPPoES)",
		5:  "Link Layer Discovery Protocol (LLDP)",
		6:  "ARP",
		7:  "Reverse ARP",
		8:  "VLANs",
		9:  "MPLS unicast",
		10: "MPLS multicast",
		11: "L2TP v2/3",
		12: "GRE v1/2",
		13: "PPP header after L2TP or GRE",
		14: "IPv4 flow",
		15: "IPv6 flow",
		16: "IPvX bogus packet",
		17: "IPv4/6 in IPv4/6",
		18: "Ethernet over IP",
		19: "Teredo tunnel",
		20: "Anything in Anything (AYIYA) tunnel",
		21: "GPRS Tunneling Protocol (GTP)",
		22: "Virtual eXtensible Local Area Network (VXLAN)",
		23: "Control and Provisioning of Wireless Access Points (CAPWAP), Lightweight Access Point Protocol (LWAPP)",
		24: "Stream Control Transmission Protocol (SCTP)",
		25: "SSDP/UPnP",
		26: "Encapsulated Remote Switch Packet ANalysis (ERSPAN)",
		27: "Cisco Web Cache Communication Protocol (WCCP)",
		28: "SIP/RTP",
		29: "Generic Network Virtualization Encapsulation (GENEVE)",
		30: "IPsec Authentication Header (AH)",
		31: "IPsec Encapsulating Security Payload (ESP)",
		32: "Acquired packet length < minimal L2 datagram",
		33: "Acquired packet length < packet length in L3 header",
		34: "Acquired packet length < minimal L3 header",
		35: "Acquired packet length < minimal L4 header",
		36: "IPv4 fragmentation present",
		37: "IPv4 fragmentation error (refer to the tcpFlags plugin for more details)",
		38: "IPv4 1. fragment out of sequence or missing",
		39: "Packet fragmentation pending or fragmentation sequence not completed when flow timed-out",
		40: "Flow timeout instead of protocol termination",
		41: "Force mode: remove this flow instantly",
		42: "Autopilot: flow removed to free space in main hash map",
		43: "Stop dissecting: error, unhandled protocol or subsequent fragment",
		44: "Consecutive duplicate IP ID",
		45: "PPPL3 header not readable, compressed",
		46: "IPv4 header length < 20 bytes",
		47: "IPv4/6 payload length > framing length",
		48: "Header description overrun",
		49: "Alarm mode & pcapd dumps packets from this flow to new pcap if not -e option",
		50: "Land attack: same srcIP && dstIP && srcPort && dstPort",
		51: "Timestamp jump, probably due to multi-path packet delay or NTP operation",
		52: "liveXtr: if set dumps the packets from this flow to a new pcap",
		53: "-",
		54: "-",
		55: "Subnet tested for that flow",
		56: "Tor address detected",
		57: "A packet had a priority tag (VLAN tag with ID 0)",
		58: "IPv4 packet",
		59: "IPv6 packet",
		60: "LAPD flow",
		61: "DTLS in layer 7",
		62: "Flow duration limit, same findex for all subflows",
		63: "PCAP packet length > MAX_MTU in ioBuffer.h, caplen reduced",
	}
}

// tcpStatesAFlagsDesc returns the 8 tcpStatesAFlags texts (t2-semantics.md
// section 7.3).
func tcpStatesAFlagsDesc() []string {
	return []string{
		0: "Malformed connection establishment",
		1: "Malformed teardown",
		2: "Malformed flags during established connection",
		3: "Packets detected after teardown",
		4: "Packets detected after reset",
		5: "-",
		6: "Reset from sender",
		7: "Potential evil behavior (scan)",
	}
}

// tcpWinStatDesc returns the tcpWinStat texts. The column belongs to the
// tcpWin tutorial plugin, which has no tawk vars file in T2, so flowtap
// defines its only bit, TCPWIN_STAT_THU (t2-semantics.md section 7.4).
func tcpWinStatDesc() []string {
	return []string{
		0: "TCP window size below threshold seen",
	}
}
