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
	__u16 eth_type;  /* host order: 0x0800, 0x86dd, or the L2 ethertype */
	__u16 vlan_id;   /* innermost VID (12 bits), 0 when untagged */
	__u16 src_port;  /* 0 for ICMP, truncated L4 and later fragments */
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
 */
struct flow_state {
	/* core and basicFlow */
	__u64 flow_ind;    /* shared by the A and B direction */
	__u64 status;      /* flowStat bits (t2-semantics.md section 6) */
	__u64 first_ns;    /* first packet of this direction */
	__u64 last_ns;     /* last packet of this direction */
	__u64 timeout_ns;  /* inactivity timeout, changed by tcpStates */

	/* basicStats: integer accumulators only */
	__u64 pkts;        /* packets in this direction */
	__u64 cap_bytes;   /* captured bytes (caplen) */
	__u64 pad_bytes;   /* Ethernet padding bytes */
	__u64 l7_bytes;    /* sum of L7 lengths */
	__u64 l7_var_hi;   /* T2 running size estimator, 128-bit, bytes^2 << 48 */
	__u64 l7_var_lo;
	__u64 iat_var_hi;  /* T2 running IAT estimator, 128-bit, ns^2 << 16 */
	__u64 iat_var_lo;
	__s64 max_iat_ns;  /* largest inter-arrival time */
	__u16 min_l7;      /* smallest L7 length */
	__u16 max_l7;      /* largest L7 length */
	__u16 last_ipid;   /* last IPv4 ID, for DUPIPID (valid with MISC_IPID_VALID) */
	__u16 pad1;
	__u32 frag_id;     /* IPv4 ID / IPv6 fragment ID of the pending datagram */
	__u32 pad2;

	/* tcpStates */
	__u32 syn_seq;     /* sequence number of this side's SYN */
	__u32 fin_seq;     /* sequence number of this side's FIN */
	__u8 tcp_state;    /* enum tcp_conn_state */
	__u8 tcp_anomaly;  /* tcpStatesAFlags */
	__u8 tcp_bits;     /* enum tcp_conn_bit */

	/* tcpWin */
	__u8 win_stat;     /* tcpWinStat: 0x01 a window below threshold was seen */
	__u32 win_th_cnt;  /* TCP packets with raw window < threshold */
	__u32 tcp_pkts;    /* TCP first-fragment packets (denominator of f) */
	__u32 win_init;    /* raw window of the first TCP packet */
	__u8 win_ttl;      /* IP TTL / hop limit of the first TCP packet */

	/* pcapd */
	__u8 dump;         /* 1: extract this direction's packets from now on */

	/* basicFlow descriptive columns */
	__u8 hdr_desc_cnt; /* distinct header stacks seen */
	__u8 src_mac_cnt;
	__u8 dst_mac_cnt;
	__u8 vlan_cnt; /* tags in vlan_tci */
	__u8 hdr_len[MAX_HDR_DESC];           /* headers per stack */
	__u8 hdr_desc[MAX_HDR_DESC][MAX_HDRS]; /* enum hdr_code per header */
	__u8 src_mac[MAX_MACS][6];
	__u8 dst_mac[MAX_MACS][6];
	__u16 vlan_tci[MAX_VLANS];            /* raw TCIs, outer first */
	__u8 misc_bits;  /* enum misc_bit */
	__u8 pad[7];
};

#endif /* FLOWTAP_TYPES_H */
