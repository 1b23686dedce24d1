//go:build linux

package loader_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// cDefines returns the values of the macros and enumerators of a bpf/
// header: NAME (1ULL << n), NAME value, and NAME = value forms.
func cDefines(t *testing.T, file string) map[string]uint64 {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "bpf", file))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	shift := regexp.MustCompile(`(?m)^#define (\w+)\s+\(1ULL << (\d+)\)`)
	for _, m := range shift.FindAllStringSubmatch(string(src), -1) {
		n, _ := strconv.Atoi(m[2])
		out[m[1]] = 1 << n
	}
	plain := regexp.MustCompile(`(?m)^(?:#define (\w+)\s+|\t(\w+)\s*=\s*)(0x[0-9a-fA-F]+|\d+)(?:ULL)?\b`)
	for _, m := range plain.FindAllStringSubmatch(string(src), -1) {
		name := m[1] + m[2]
		v, err := strconv.ParseUint(m[3], 0, 64)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = v
	}
	return out
}

// TestSharedConstants checks that the C values the kernel stores in the
// shared state equal the Go ones userspace decodes it with.
func TestSharedConstants(t *testing.T) {
	types := cDefines(t, "types.h")
	tcp := cDefines(t, "tcpstates.h")
	checks := []struct {
		defs map[string]uint64
		name string
		want uint64
	}{
		{types, "FS_INVERT", datapath.StatInvert}, {types, "FS_L2_NO_ETH", datapath.StatL2NoEth},
		{types, "FS_L2_FLOW", datapath.StatL2Flow}, {types, "FS_PPPOE_D", datapath.StatPPPoED},
		{types, "FS_PPPOE_S", datapath.StatPPPoES}, {types, "FS_LLDP", datapath.StatLLDP},
		{types, "FS_ARP", datapath.StatARP}, {types, "FS_RARP", datapath.StatRARP},
		{types, "FS_VLAN", datapath.StatVLAN}, {types, "FS_MPLS_UCAST", datapath.StatMPLSUcast},
		{types, "FS_MPLS_MCAST", datapath.StatMPLSMcast}, {types, "FS_L2TP", datapath.StatL2TP},
		{types, "FS_GRE", datapath.StatGRE}, {types, "FS_PPP", datapath.StatPPP},
		{types, "FS_IPV4", datapath.StatIPv4}, {types, "FS_IPV6", datapath.StatIPv6},
		{types, "FS_IPVX", datapath.StatIPvX}, {types, "FS_IPIP", datapath.StatIPIP},
		{types, "FS_ETHIP", datapath.StatEthIP}, {types, "FS_TEREDO", datapath.StatTeredo},
		{types, "FS_AYIYA", datapath.StatAYIYA}, {types, "FS_GTP", datapath.StatGTP},
		{types, "FS_VXLAN", datapath.StatVXLAN}, {types, "FS_CAPWAP", datapath.StatCAPWAP},
		{types, "FS_SCTP", datapath.StatSCTP}, {types, "FS_UPNP", datapath.StatUPNP},
		{types, "FS_ERSPAN", datapath.StatERSPAN}, {types, "FS_WCCP", datapath.StatWCCP},
		{types, "FS_GENEVE", datapath.StatGENEVE}, {types, "FS_IPSEC_AH", datapath.StatIPsecAH},
		{types, "FS_IPSEC_ESP", datapath.StatIPsecESP}, {types, "FS_L2_SNAPLEN", datapath.StatL2SnapLen},
		{types, "FS_L3_SNAPLEN", datapath.StatL3SnapLen}, {types, "FS_L3_HDR_SHORT", datapath.StatL3HdrShort},
		{types, "FS_L4_HDR_SHORT", datapath.StatL4HdrShort}, {types, "FS_FRAG", datapath.StatFrag},
		{types, "FS_FRAG_ERR", datapath.StatFragErr}, {types, "FS_FRAG_HDSEQ_ERR", datapath.StatFragHdSeqErr},
		{types, "FS_FRAG_PENDING", datapath.StatFragPending}, {types, "FS_RMFLOW", datapath.StatRmFlow},
		{types, "FS_RMFLOW_HFULL", datapath.StatRmFlowHFull}, {types, "FS_STOP_DISSECT", datapath.StatStopDissect},
		{types, "FS_DUP_IPID", datapath.StatDupIPID}, {types, "FS_PPP_NO_HDR", datapath.StatPPPNoHdr},
		{types, "FS_IPV4_HL_SHORT", datapath.StatIPv4HLShort}, {types, "FS_IP_LEN_MISMATCH", datapath.StatIPLenMismtch},
		{types, "FS_HDR_OVERRUN", datapath.StatHdrOverrun}, {types, "FS_ALARM", datapath.StatAlarm},
		{types, "FS_LAND_ATTACK", datapath.StatLandAttack}, {types, "FS_TIME_JUMP", datapath.StatTimeJump},
		{types, "FS_VLAN0", datapath.StatVLAN0}, {types, "FS_IPV4_PKT", datapath.StatIPv4Pkt},
		{types, "FS_IPV6_PKT", datapath.StatIPv6Pkt},

		{types, "TCP_A_MAL_CON_EST", uint64(datapath.TCPMalConEst)}, {types, "TCP_A_MAL_TEARDWN", uint64(datapath.TCPMalTeardwn)},
		{types, "TCP_A_MAL_FLGS_EST", uint64(datapath.TCPMalFlgsEst)}, {types, "TCP_A_PKTS_TERM", uint64(datapath.TCPPktsTerm)},
		{types, "TCP_A_PKTS_RST", uint64(datapath.TCPPktsRst)}, {types, "TCP_A_RST_TRANS", uint64(datapath.TCPRstTrans)},
		{types, "TCP_A_EVIL", uint64(datapath.TCPEvil)}, {types, "TCPWIN_STAT_THU", uint64(datapath.TCPWinStatTHU)},
		{types, "MAX_HDR_DESC", datapath.MaxHdrDesc}, {types, "MAX_HDRS", datapath.MaxHdrs},
		{types, "MAX_MACS", datapath.MaxMACs}, {types, "MAX_VLANS", datapath.MaxVLANs},

		{tcp, "TIMEOUT_RESET", datapath.TimeoutReset}, {tcp, "TIMEOUT_NEW", datapath.TimeoutNew},
		{tcp, "TIMEOUT_ESTABLISHED", datapath.TimeoutEstablished}, {tcp, "TIMEOUT_CLOSING", datapath.TimeoutClosing},
		{tcp, "TIMEOUT_CLOSED", datapath.TimeoutClosed},
	}
	for _, c := range checks {
		got, ok := c.defs[c.name]
		if !ok {
			t.Errorf("%s not defined", c.name)
			continue
		}
		if got != c.want {
			t.Errorf("%s = %#x, Go has %#x", c.name, got, c.want)
		}
	}
	defined, checked := 0, 0
	for name := range types {
		if strings.HasPrefix(name, "FS_") {
			defined++
		}
	}
	for _, c := range checks {
		if strings.HasPrefix(c.name, "FS_") {
			checked++
		}
	}
	if defined != checked {
		t.Errorf("types.h defines %d FS_ bits, this test checks %d: add the new ones", defined, checked)
	}
}

// TestHeaderCodes checks every enum hdr_code value against datapath.Hdr,
// through the hdrDesc names.
func TestHeaderCodes(t *testing.T) {
	types := cDefines(t, "types.h")
	names := map[string]string{ // C enumerator -> T2 hdrDesc text
		"HDR_NONE": "", "HDR_ETH": "eth", "HDR_VLAN": "vlan", "HDR_MPLS": "mpls", "HDR_PPPOE": "pppoes",
		"HDR_PPP": "ppp", "HDR_LLC": "llc", "HDR_ARP": "arp", "HDR_RARP": "rarp", "HDR_IPV4": "ipv4",
		"HDR_IPV6": "ipv6", "HDR_TCP": "tcp", "HDR_UDP": "udp", "HDR_ICMP": "icmp", "HDR_ICMPV6": "icmpv6",
		"HDR_SCTP": "sctp", "HDR_GRE": "gre", "HDR_VXLAN": "vxlan", "HDR_GENEVE": "geneve",
		"HDR_TEREDO": "teredo", "HDR_IGMP": "igmp", "HDR_HOPOPTS": "ipv6.hopopts",
		"HDR_DSTOPTS": "ipv6.dstopts", "HDR_ROUTING": "ipv6.routing", "HDR_FRAGHDR": "ipv6.fraghdr",
		"HDR_ESP": "esp", "HDR_AH": "ah", "HDR_SSDP": "ssdp", "HDR_SLL": "sll", "HDR_SLL2": "sll2",
		"HDR_NULL": "null", "HDR_IPVX": "ipvx", "HDR_LLDP": "lldp", "HDR_UDPLITE": "udplite",
		"HDR_OSPF": "ospf", "HDR_PIM": "pim", "HDR_NFLOG": "nflog", "HDR_IPV6_NONXT": "ipv6.nonxt",
		"HDR_MOBILITY": "ipv6.mobility", "HDR_PPPOED": "pppoed", "HDR_ETHERIP": "etherip",
		"HDR_L2TP": "l2tp", "HDR_DATA": "data",
	}
	for c, text := range names {
		v, ok := types[c]
		if !ok {
			t.Errorf("%s not defined in types.h", c)
			continue
		}
		if v >= uint64(len(datapath.HdrNames)) {
			t.Errorf("%s = %d: Go has no such header code", c, v)
		} else if got := datapath.HdrNames[v]; got != text {
			t.Errorf("%s = %d is %q in Go, want %q", c, v, got, text)
		}
	}
	if len(names) != len(datapath.HdrNames) {
		t.Errorf("%d C codes checked, Go has %d", len(names), len(datapath.HdrNames))
	}
}
