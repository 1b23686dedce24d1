package datapath

// FlowStat bits (t2-semantics.md section 6). The C twin defines the same
// values in bpf/types.h.
const (
	StatInvert       uint64 = 1 << 0  // L3FLOWINVERT: B side
	StatL2NoEth      uint64 = 1 << 1  // L2_NO_ETH
	StatL2Flow       uint64 = 1 << 2  // L2_FLOW
	StatPPPoED       uint64 = 1 << 3  // L2_PPPoE_D
	StatPPPoES       uint64 = 1 << 4  // L2_PPPoE_S
	StatLLDP         uint64 = 1 << 5  // L2_LLDP
	StatARP          uint64 = 1 << 6  // L2_ARP
	StatRARP         uint64 = 1 << 7  // L2_RARP
	StatVLAN         uint64 = 1 << 8  // L2_VLAN
	StatMPLSUcast    uint64 = 1 << 9  // L2_MPLS_UCAST
	StatMPLSMcast    uint64 = 1 << 10 // L2_MPLS_MCAST
	StatL2TP         uint64 = 1 << 11 // L2_L2TP
	StatGRE          uint64 = 1 << 12 // L2_GRE
	StatPPP          uint64 = 1 << 13 // L2_PPP
	StatIPv4         uint64 = 1 << 14 // L2_IPV4: IPv4 flow
	StatIPv6         uint64 = 1 << 15 // L2_IPV6: IPv6 flow
	StatIPvX         uint64 = 1 << 16 // L3_IPVX
	StatIPIP         uint64 = 1 << 17 // L3_IPIP
	StatEthIP        uint64 = 1 << 18 // L3_ETHIPF
	StatTeredo       uint64 = 1 << 19 // L3_TRDO
	StatAYIYA        uint64 = 1 << 20 // L3_AYIYA
	StatGTP          uint64 = 1 << 21 // L3_GTP
	StatVXLAN        uint64 = 1 << 22 // L3_VXLAN
	StatCAPWAP       uint64 = 1 << 23 // L3_CAPWAP
	StatSCTP         uint64 = 1 << 24 // L4_SCTP
	StatUPNP         uint64 = 1 << 25 // L4_UPNP
	StatERSPAN       uint64 = 1 << 26 // L2_ERSPAN
	StatWCCP         uint64 = 1 << 27 // L2_WCCP
	StatGENEVE       uint64 = 1 << 29 // L3_GENEVE
	StatIPsecAH      uint64 = 1 << 30 // L3_IPSEC_AH
	StatIPsecESP     uint64 = 1 << 31 // L3_IPSEC_ESP
	StatL2SnapLen    uint64 = 1 << 32 // L2SNAPLENGTH
	StatL3SnapLen    uint64 = 1 << 33 // L3SNAPLENGTH
	StatL3HdrShort   uint64 = 1 << 34 // L3HDRSHRTLEN
	StatL4HdrShort   uint64 = 1 << 35 // L4HDRSHRTLEN
	StatFrag         uint64 = 1 << 36 // IPV4_FRAG
	StatFragErr      uint64 = 1 << 37 // IPV4_FRAG_ERR
	StatFragHdSeqErr uint64 = 1 << 38 // IPV4_FRAG_HDSEQ_ERR
	StatFragPending  uint64 = 1 << 39 // IPV4_FRAG_PENDING
	StatRmFlow       uint64 = 1 << 41 // RMFLOW: force mode removal
	StatRmFlowHFull  uint64 = 1 << 42 // RMFLOW_HFULL: evicted, table full
	StatStopDissect  uint64 = 1 << 43 // STPDSCT
	StatDupIPID      uint64 = 1 << 44 // DUPIPID
	StatPPPNoHdr     uint64 = 1 << 45 // PPP_NRHD
	StatIPv4HLShort  uint64 = 1 << 46 // IPV4_HL_TOO_SHORT
	StatIPLenMismtch uint64 = 1 << 47 // IP_PL_MSMTCH
	StatHdrOverrun   uint64 = 1 << 48 // HDOVRN
	StatAlarm        uint64 = 1 << 49 // FL_ALARM
	StatLandAttack   uint64 = 1 << 50 // LANDATTACK
	StatTimeJump     uint64 = 1 << 51 // TIMEJUMP
	StatVLAN0        uint64 = 1 << 57 // FS_VLAN0
	StatIPv4Pkt      uint64 = 1 << 58 // FS_IPV4_PKT
	StatIPv6Pkt      uint64 = 1 << 59 // FS_IPV6_PKT
)

// tcpStatesAFlags bits (t2-semantics.md section 7.3).
const (
	TCPMalConEst  uint8 = 0x01 // malformed connection establishment
	TCPMalTeardwn uint8 = 0x02 // malformed teardown
	TCPMalFlgsEst uint8 = 0x04 // malformed flags while established
	TCPPktsTerm   uint8 = 0x08 // packets after teardown
	TCPPktsRst    uint8 = 0x10 // packets after reset
	TCPRstTrans   uint8 = 0x40 // RST sent by this direction
	TCPEvil       uint8 = 0x80 // possible scan
)

// TCPWinStatTHU is tcpWinStat bit 0: a window below the threshold was seen.
const TCPWinStatTHU uint8 = 0x01
