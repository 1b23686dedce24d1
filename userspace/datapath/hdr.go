package datapath

// Hdr is a header code in a hdrDesc stack. The values are stored in
// flow_state.hdr_desc, so they are part of the shared state: append only.
type Hdr uint8

// Header codes; HdrNames gives the T2 hdrDesc spelling of each.
const (
	HdrNone Hdr = iota
	HdrEth
	HdrVLAN
	HdrMPLS
	HdrPPPoE
	HdrPPP
	HdrLLC
	HdrARP
	HdrRARP
	HdrIPv4
	HdrIPv6
	HdrTCP
	HdrUDP
	HdrICMP
	HdrICMPv6
	HdrSCTP
	HdrGRE
	HdrVXLAN
	HdrGENEVE
	HdrTeredo
	HdrIGMP
	HdrHopOpts
	HdrDstOpts
	HdrRouting
	HdrFragHdr
	HdrESP
	HdrAH
	HdrSSDP
	HdrSLL
	HdrSLL2
	HdrNull
	HdrIPvX
	HdrLLDP
	HdrUDPLite
	HdrOSPF
	HdrPIM
	HdrNFLOG
	HdrIPv6NoNxt
	HdrMobility
	HdrPPPoED
	HdrEtherIP
	HdrL2TP
	HdrData // an unknown protocol; dissection stopped
	hdrCount
)

// HdrNames maps a Hdr to its hdrDesc text.
var HdrNames = [hdrCount]string{
	HdrNone: "", HdrEth: "eth", HdrVLAN: "vlan", HdrMPLS: "mpls", HdrPPPoE: "pppoes",
	HdrPPP: "ppp", HdrLLC: "llc", HdrARP: "arp", HdrRARP: "rarp", HdrIPv4: "ipv4",
	HdrIPv6: "ipv6", HdrTCP: "tcp", HdrUDP: "udp", HdrICMP: "icmp", HdrICMPv6: "icmpv6",
	HdrSCTP: "sctp", HdrGRE: "gre", HdrVXLAN: "vxlan", HdrGENEVE: "geneve",
	HdrTeredo: "teredo", HdrIGMP: "igmp", HdrHopOpts: "ipv6.hopopts",
	HdrDstOpts: "ipv6.dstopts", HdrRouting: "ipv6.routing", HdrFragHdr: "ipv6.fraghdr",
	HdrESP: "esp", HdrAH: "ah", HdrSSDP: "ssdp", HdrSLL: "sll", HdrSLL2: "sll2",
	HdrNull: "null", HdrIPvX: "ipvx", HdrLLDP: "lldp", HdrUDPLite: "udplite",
	HdrOSPF: "ospf", HdrPIM: "pim", HdrNFLOG: "nflog", HdrIPv6NoNxt: "ipv6.nonxt",
	HdrMobility: "ipv6.mobility", HdrPPPoED: "pppoed", HdrEtherIP: "etherip",
	HdrL2TP: "l2tp", HdrData: "data",
}

// String returns the hdrDesc text of h.
func (h Hdr) String() string {
	if h < hdrCount {
		return HdrNames[h]
	}
	return "data"
}

// AppendHdrDesc appends the T2 form of a header stack to b: names joined
// by ':', runs of the same header folded as name{n} (eth:vlan{2}:arp).
func AppendHdrDesc(b []byte, stack []uint8) []byte {
	for i := 0; i < len(stack); {
		j := i + 1
		for j < len(stack) && stack[j] == stack[i] {
			j++
		}
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, Hdr(stack[i]).String()...)
		if n := j - i; n > 1 {
			b = append(b, '{')
			b = appendUint(b, uint64(n))
			b = append(b, '}')
		}
		i = j
	}
	return b
}

func appendUint(b []byte, v uint64) []byte {
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}
