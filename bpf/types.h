/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * types.h: the one definition of flowtap's per-flow state.
 *
 * struct flow_key and struct flow_state are shared by the XDP program and
 * the Go engine: bpf2go generates gen.FlowtapFlowKey and
 * gen.FlowtapFlowState from this file, and userspace/datapath updates
 * exactly these fields per packet, mirroring datapath.h line by line.
 * Rules: fixed-width types, explicit padding, no pointers, no floats
 * (floats such as averages and standard deviations are computed when the
 * flow ends, from the integer accumulators below).
 */
#ifndef FLOWTAP_TYPES_H
#define FLOWTAP_TYPES_H

#include <linux/types.h>

#ifndef MAX_HDR_DESC
#define MAX_HDR_DESC 4 /* distinct header stacks per flow (T2: HDOVRN past 4) */
#endif
#ifndef MAX_HDRS
#define MAX_HDRS 15 /* header codes kept per stack */
#endif
#ifndef MAX_MACS
#define MAX_MACS 3 /* distinct MAC addresses kept per side (basicFlow) */
#endif
#ifndef MAX_VLANS
#define MAX_VLANS 3 /* VLAN tags parsed and printed */
#endif

/*
 * T2 flow key (t2-semantics.md section 1). Two packets belong to the same
 * flow direction exactly when every field matches. IPv4 addresses use the
 * first 4 bytes of src_ip/dst_ip; MACs are zero for IP flows.
 */
struct flow_key {
	__u8 src_ip[16];
	__u8 dst_ip[16];
	__u8 eth_dst[6];
	__u8 eth_src[6];
	__u16 eth_type; /* host order: 0x0800, 0x86dd, or the L2 ethertype */
	__u16 vlan_id;  /* innermost VID (12 bits), 0 when untagged */
	__u16 src_port; /* 0 for ICMP, truncated L4 and later fragments */
	__u16 dst_port;
	__u8 l4_proto;
	__u8 pad[3];
};

/* tcpStates connection states (T2 tcpStates). */
enum tcp_conn_state {
	TCP_STATE_NEW = 0,
	TCP_STATE_ESTABLISHED = 1,
	TCP_STATE_CLOSING = 2,
	TCP_STATE_CLOSED = 3,
	TCP_STATE_RESET = 4,
};

/* flow_state.tcp_bits: tcpStates handshake and teardown bookkeeping. */
enum tcp_conn_bit {
	TCP_BIT_SYN_SEEN = 0x01,
	TCP_BIT_SYN_ACKD = 0x02,
	TCP_BIT_FIN_SEEN = 0x04,
	TCP_BIT_FIN_ACKD = 0x08,
	TCP_BIT_FIN_SCAN = 0x10,
};

/* flow_state.misc_bits */
enum misc_bit {
	MISC_IPID_VALID = 0x01, /* last_ipid holds a real IPv4 ID (T2 starts at UINT32_MAX) */
	MISC_REPORTED = 0x02,   /* tcpWin reported this direction's alarms */
};

/*
 * One direction of a conversation. All times are capture time in
 * nanoseconds since the Unix epoch (pcap time offline, converted kernel
 * time live).
 *
 * Field order is a cache layout, not a grouping by plugin: the Go flow
 * table stores struct flow_key (56 bytes) and this struct (264 bytes) back
 * to back in 320-byte slots aligned to 64 bytes, so the fields an ordinary
 * packet reads or writes (the key, the counters, the TCP state, the first
 * header stack and MAC pair) come first and fill four cache lines, and
 * the fields only a flow's first, handshake, teardown or fragment packets
 * or the flow's end touch share the fifth. Keep the size at 264 bytes
 * (userspace/flowtable checks it).
 */
struct flow_state {
	/* written by every packet */
	__u64 status;     /* flowStat bits (t2-semantics.md section 6) */
	__u64 last_ns;    /* last packet of this direction */
	__u64 timeout_ns; /* inactivity timeout, changed by tcpStates */
	__u64 first_ns;   /* first packet of this direction (IAT mean) */

	/* basicStats: integer accumulators only */
	__u64 pkts;      /* packets in this direction */
	__u64 cap_bytes; /* captured bytes (caplen) */
	__u64 pad_bytes; /* Ethernet padding bytes */
	__u64 l7_bytes;  /* sum of L7 lengths */
	__u64 l7_var_hi; /* T2 running size estimator, 128-bit, bytes^2 << 48 */
	__u64 l7_var_lo;
	__u64 iat_var_hi; /* T2 running IAT estimator, 128-bit, ns^2 << 16 */
	__u64 iat_var_lo;
	__s64 max_iat_ns; /* largest inter-arrival time */

	/* tcpWin counters */
	__u32 win_th_cnt; /* TCP packets with raw window < threshold */
	__u32 tcp_pkts;   /* TCP first-fragment packets (denominator of f) */

	__u16 min_l7;    /* smallest L7 length */
	__u16 max_l7;    /* largest L7 length */
	__u16 last_ipid; /* last IPv4 ID, for DUPIPID (valid with MISC_IPID_VALID) */

	/* tcpStates */
	__u8 tcp_state;   /* enum tcp_conn_state */
	__u8 tcp_anomaly; /* tcpStatesAFlags */
	__u8 tcp_bits;    /* enum tcp_conn_bit */

	__u8 win_stat;  /* tcpWinStat: 0x01 a window below threshold was seen */
	__u8 dump;      /* pcapd: 1 extracts this direction's packets from now on */
	__u8 misc_bits; /* enum misc_bit */

	/* basicFlow descriptive columns: entry 0 of each list is the usual match */
	__u8 hdr_desc_cnt; /* distinct header stacks seen */
	__u8 src_mac_cnt;
	__u8 dst_mac_cnt;
	__u8 vlan_cnt; /* tags in vlan_tci */
	__u8 src_mac[MAX_MACS][6];
	__u8 dst_mac[MAX_MACS][6];
	__u8 hdr_len[MAX_HDR_DESC];            /* headers per stack */
	__u8 hdr_desc[MAX_HDR_DESC][MAX_HDRS]; /* enum hdr_code per header */

	/* touched by few packets */
	__u8 win_ttl; /* tcpWin: IP TTL / hop limit of the first TCP packet */
	__u8 pad1;
	__u16 vlan_tci[MAX_VLANS]; /* raw TCIs, outer first */
	__u32 win_init;            /* tcpWin: raw window of the first TCP packet */
	__u64 flow_ind;            /* shared by the A and B direction */
	__u32 syn_seq;             /* tcpStates: sequence number of this side's SYN */
	__u32 fin_seq;             /* tcpStates: sequence number of this side's FIN */
	__u32 frag_id;             /* IPv4 ID / IPv6 fragment ID of the pending datagram */
	__u32 pad2;
};

/*
 * Header codes of a hdrDesc stack (flow_state.hdr_desc). The values are
 * those of userspace/datapath Hdr (hdr.go): stored state, append only.
 */
enum hdr_code {
	HDR_NONE = 0,
	HDR_ETH = 1,
	HDR_VLAN = 2,
	HDR_MPLS = 3,
	HDR_PPPOE = 4,
	HDR_PPP = 5,
	HDR_LLC = 6,
	HDR_ARP = 7,
	HDR_RARP = 8,
	HDR_IPV4 = 9,
	HDR_IPV6 = 10,
	HDR_TCP = 11,
	HDR_UDP = 12,
	HDR_ICMP = 13,
	HDR_ICMPV6 = 14,
	HDR_SCTP = 15,
	HDR_GRE = 16,
	HDR_VXLAN = 17,
	HDR_GENEVE = 18,
	HDR_TEREDO = 19,
	HDR_IGMP = 20,
	HDR_HOPOPTS = 21,
	HDR_DSTOPTS = 22,
	HDR_ROUTING = 23,
	HDR_FRAGHDR = 24,
	HDR_ESP = 25,
	HDR_AH = 26,
	HDR_SSDP = 27,
	HDR_SLL = 28,
	HDR_SLL2 = 29,
	HDR_NULL = 30,
	HDR_IPVX = 31,
	HDR_LLDP = 32,
	HDR_UDPLITE = 33,
	HDR_OSPF = 34,
	HDR_PIM = 35,
	HDR_NFLOG = 36,
	HDR_IPV6_NONXT = 37,
	HDR_MOBILITY = 38,
	HDR_PPPOED = 39,
	HDR_ETHERIP = 40,
	HDR_L2TP = 41,
	HDR_DATA = 42, /* unknown protocol: dissection stopped */
};

/*
 * flowStat bits (t2-semantics.md section 6), the values of
 * userspace/datapath status.go. Macros, not an enum: they need 64 bits.
 */
#define FS_INVERT          (1ULL << 0)  /* L3FLOWINVERT: B side */
#define FS_L2_NO_ETH       (1ULL << 1)  /* L2_NO_ETH */
#define FS_L2_FLOW         (1ULL << 2)  /* L2_FLOW */
#define FS_PPPOE_D         (1ULL << 3)  /* L2_PPPoE_D */
#define FS_PPPOE_S         (1ULL << 4)  /* L2_PPPoE_S */
#define FS_LLDP            (1ULL << 5)  /* L2_LLDP */
#define FS_ARP             (1ULL << 6)  /* L2_ARP */
#define FS_RARP            (1ULL << 7)  /* L2_RARP */
#define FS_VLAN            (1ULL << 8)  /* L2_VLAN */
#define FS_MPLS_UCAST      (1ULL << 9)  /* L2_MPLS_UCAST */
#define FS_MPLS_MCAST      (1ULL << 10) /* L2_MPLS_MCAST */
#define FS_L2TP            (1ULL << 11) /* L2_L2TP */
#define FS_GRE             (1ULL << 12) /* L2_GRE */
#define FS_PPP             (1ULL << 13) /* L2_PPP */
#define FS_IPV4            (1ULL << 14) /* L2_IPV4: IPv4 flow */
#define FS_IPV6            (1ULL << 15) /* L2_IPV6: IPv6 flow */
#define FS_IPVX            (1ULL << 16) /* L3_IPVX */
#define FS_IPIP            (1ULL << 17) /* L3_IPIP */
#define FS_ETHIP           (1ULL << 18) /* L3_ETHIPF */
#define FS_TEREDO          (1ULL << 19) /* L3_TRDO */
#define FS_AYIYA           (1ULL << 20) /* L3_AYIYA */
#define FS_GTP             (1ULL << 21) /* L3_GTP */
#define FS_VXLAN           (1ULL << 22) /* L3_VXLAN */
#define FS_CAPWAP          (1ULL << 23) /* L3_CAPWAP */
#define FS_SCTP            (1ULL << 24) /* L4_SCTP */
#define FS_UPNP            (1ULL << 25) /* L4_UPNP */
#define FS_ERSPAN          (1ULL << 26) /* L2_ERSPAN */
#define FS_WCCP            (1ULL << 27) /* L2_WCCP */
#define FS_GENEVE          (1ULL << 29) /* L3_GENEVE */
#define FS_IPSEC_AH        (1ULL << 30) /* L3_IPSEC_AH */
#define FS_IPSEC_ESP       (1ULL << 31) /* L3_IPSEC_ESP */
#define FS_L2_SNAPLEN      (1ULL << 32) /* L2SNAPLENGTH */
#define FS_L3_SNAPLEN      (1ULL << 33) /* L3SNAPLENGTH */
#define FS_L3_HDR_SHORT    (1ULL << 34) /* L3HDRSHRTLEN */
#define FS_L4_HDR_SHORT    (1ULL << 35) /* L4HDRSHRTLEN */
#define FS_FRAG            (1ULL << 36) /* IPV4_FRAG */
#define FS_FRAG_ERR        (1ULL << 37) /* IPV4_FRAG_ERR */
#define FS_FRAG_HDSEQ_ERR  (1ULL << 38) /* IPV4_FRAG_HDSEQ_ERR */
#define FS_FRAG_PENDING    (1ULL << 39) /* IPV4_FRAG_PENDING */
#define FS_RMFLOW          (1ULL << 41) /* RMFLOW: force mode removal */
#define FS_RMFLOW_HFULL    (1ULL << 42) /* RMFLOW_HFULL: evicted, table full */
#define FS_STOP_DISSECT    (1ULL << 43) /* STPDSCT */
#define FS_DUP_IPID        (1ULL << 44) /* DUPIPID */
#define FS_PPP_NO_HDR      (1ULL << 45) /* PPP_NRHD */
#define FS_IPV4_HL_SHORT   (1ULL << 46) /* IPV4_HL_TOO_SHORT */
#define FS_IP_LEN_MISMATCH (1ULL << 47) /* IP_PL_MSMTCH */
#define FS_HDR_OVERRUN     (1ULL << 48) /* HDOVRN */
#define FS_ALARM           (1ULL << 49) /* FL_ALARM */
#define FS_LAND_ATTACK     (1ULL << 50) /* LANDATTACK */
#define FS_TIME_JUMP       (1ULL << 51) /* TIMEJUMP */
#define FS_VLAN0           (1ULL << 57) /* FS_VLAN0 */
#define FS_IPV4_PKT        (1ULL << 58) /* FS_IPV4_PKT */
#define FS_IPV6_PKT        (1ULL << 59) /* FS_IPV6_PKT */

/* flow_state.tcp_anomaly: tcpStatesAFlags bits (t2-semantics.md section 7.3). */
enum tcp_anomaly_bit {
	TCP_A_MAL_CON_EST = 0x01,  /* malformed connection establishment */
	TCP_A_MAL_TEARDWN = 0x02,  /* malformed teardown */
	TCP_A_MAL_FLGS_EST = 0x04, /* malformed flags while established */
	TCP_A_PKTS_TERM = 0x08,    /* packets after teardown */
	TCP_A_PKTS_RST = 0x10,     /* packets after reset */
	TCP_A_RST_TRANS = 0x40,    /* RST sent by this direction */
	TCP_A_EVIL = 0x80,         /* possible scan */
};

/* flow_state.win_stat: tcpWinStat bit 0, a window below the threshold. */
#define TCPWIN_STAT_THU 0x01

/*
 * Why the program left a packet to userspace (pkt_result.punt,
 * pkt_record.reason). The Go parser handles these encapsulations; the
 * kernel does not guess at them: a punted packet changes no kernel state
 * and is handled by the Go engine from its copy.
 */
enum punt_reason {
	PUNT_NONE = 0,
	PUNT_LINK = 1,       /* not an Ethernet link (knob non_ether_link) */
	PUNT_LLC = 2,        /* IEEE 802.3 length field: LLC/SNAP */
	PUNT_MPLS = 3,       /* MPLS label stack */
	PUNT_PPPOE = 4,      /* PPPoE session */
	PUNT_IPIP = 5,       /* IPv4 or IPv6 in IPv4/IPv6 (IP-in-IP, 6in4) */
	PUNT_GRE = 6,        /* GRE carrying IP, Ethernet or PPP */
	PUNT_VXLAN = 7,      /* VXLAN (UDP 4789) */
	PUNT_GENEVE = 8,     /* GENEVE (UDP 6081) */
	PUNT_TEREDO = 9,     /* Teredo (UDP 3544) */
	PUNT_FLOW_FULL = 10, /* the flows map refused a new flow */
	PUNT_BIG = 11,       /* frame beyond MAX_PKT_OFF, or not wholly in the linear buffer */
	PUNT_MAX,
};

/*
 * XDP metadata in front of the frame for BPF_PROG_RUN (knob use_meta_ts):
 * the capture time, the length on the wire and the captured length of a
 * replayed packet. BPF_PROG_RUN on kernels >= 5.18 puts what exceeds a
 * page into XDP frags that this program does not read: a frame whose
 * linear part is shorter than cap_len is punted (PUNT_BIG). An 8-byte
 * metadata area carries ts_ns only.
 */
struct run_meta {
	__u64 ts_ns;    /* capture time, ns since the Unix epoch */
	__u32 orig_len; /* frame length on the wire, as the capture records it */
	__u32 cap_len;  /* captured length of the frame */
};

/*
 * Ring buffer record header (map packets): the captured bytes follow.
 * reason is 0 for a pcapd extraction, else the enum punt_reason of a
 * packet left to userspace.
 */
struct pkt_record {
	__u64 ts_ns;    /* capture time (kernel monotonic time when live) */
	__u64 flow_ind; /* flowInd of the flow, 0 for punted packets */
	__u32 cap_len;  /* bytes that follow (snap length applied) */
	__u32 orig_len; /* frame length */
	__u32 reason;   /* 0 or enum punt_reason */
	__u32 pad;
};

/*
 * What the last packet on this CPU did (map results), for the userspace
 * engine that keeps T2's LRU order and expiry. Flags are 0 or 1.
 */
struct pkt_result {
	struct flow_key key; /* flow updated (a fragment's owner), valid with flow */
	__u64 flow_ind;      /* its flowInd; for PUNT_FLOW_FULL the one reserved */
	__u64 pkt_status;    /* flowStat bits of the packet itself */
	__u32 punt;          /* enum punt_reason, PUNT_NONE when handled */
	__u16 hdr_cnt;       /* headers counted (uncapped), for the end report */
	__u8 l4_proto;
	__u8 flow;     /* a flow was updated: key and flow_ind are valid */
	__u8 created;  /* the packet created the flow */
	__u8 opp;      /* the opposite direction exists (live: only when the update looked it up) */
	__u8 no_flow;  /* the packet belongs to no flow */
	__u8 via_frag; /* non-first fragment matched by the fragment table: no LRU touch */
	__u8 headless; /* non-first fragment whose first fragment was not seen */
	__u8 dump;     /* pcapd selected the packet */
	__u8 remove;   /* force mode: remove the flow before the next packet */
	__u8 low_win;  /* tcpWin counted a window below the threshold */
	__u8 tcp_count; /* tcpWin counted a TCP packet */
	__u8 copied;    /* the packet was written to the ring buffer */
	__u8 pad[6];
};

#endif /* FLOWTAP_TYPES_H */
