/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * parse.h: the kernel twin of userspace/datapath Parse for Ethernet
 * frames: Ethernet, VLAN tags, L2 flows (this file), IPv4, IPv6 and L4
 * (parse_ip.h). Every field of struct pkt_meta means what the same field
 * of datapath.Meta means, and is computed the same way.
 *
 * Contract of the parse_* helpers. Each reads the header at an offset of
 * the frame held by struct hdr_cursor and checks every read first, with
 * the (ptr + 1) > data_end idiom on the header struct, or through the
 * ld* loads and cur_has() where the Go parser reads a partial header. It
 * records header codes and status bits in struct pkt_meta as the Go parser
 * does, advances cur->off past the header, and returns the next protocol
 * (an ethertype or IP protocol, >= 0) or a negative verdict:
 *   PARSE_DONE  parsing ended; m->no_flow is settled by parse_frame;
 *   PARSE_PUNT  an encapsulation the Go engine handles: m->punt says
 *               which, and nothing else in m may be used.
 * Lengths come from the IP header and the wire length (cur->raw), never
 * from data_end, as in datapath.Parse (t2-semantics.md section 5).
 */
#ifndef FLOWTAP_PARSE_H
#define FLOWTAP_PARSE_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "types.h"

#ifndef MAX_VLAN_SCAN
#define MAX_VLAN_SCAN 8 /* VLAN tags skipped before giving up (datapath maxVLANScan) */
#endif
#ifndef MAX_IPV6_EXT
#define MAX_IPV6_EXT 8 /* IPv6 extension headers walked (datapath maxIPv6Ext) */
#endif
#ifndef MAX_TEREDO_HDRS
#define MAX_TEREDO_HDRS 2 /* Teredo authentication/origin headers skipped */
#endif
/*
 * Largest frame offset read. The verifier needs a bound on variable packet
 * offsets (its own limit is 0xffff); longer frames are punted (PUNT_BIG),
 * so for every frame parsed "beyond MAX_PKT_OFF" means "not captured",
 * exactly as in Go.
 */
#ifndef MAX_PKT_OFF
#define MAX_PKT_OFF 0xff00
#endif
#define MIN_RAW_LEN 64 /* T2 MINRAWLEN: frames up to this length may carry padding */

/*
 * Indexed stores into maps below read "barrier_var(n); a[n & mask]" after
 * a bounds check on n: barrier_var (bpf_helpers.h) keeps clang from
 * reloading n from a different register than the one checked, and the
 * mask (a no-op for checked values) bounds the index for the verifier.
 */

#define PARSE_DONE (-1)
#define PARSE_PUNT (-2)

/* Ethertypes the parser dispatches on. */
#define ETH_VLAN     0x8100
#define ETH_QINQ     0x88a8
#define ETH_QINQ_OLD 0x9100
#define ETH_MPLS     0x8847
#define ETH_MPLS_MC  0x8848
#define ETH_PPPOE_D  0x8863
#define ETH_PPPOE_S  0x8864
#define ETH_LLDP     0x88cc
#define ETH_TEB      0x6558
#define ETH_PPP_GRE  0x880b
#define ETH_ARP_T    0x0806
#define ETH_RARP_T   0x8035
#define ETH_IPV4_T   0x0800
#define ETH_IPV6_T   0x86dd
#define ETH_MAX_LEN  1500 /* ethertype values up to this are 802.3 lengths */

/* pkt_meta.l3: the flow's IP version (datapath L3None, L3IPv4, L3IPv6). */
#define L3_NONE 0
#define L3_IPV4 4
#define L3_IPV6 6

/* The parse position in one frame. */
struct hdr_cursor {
	void *data;
	void *data_end;
	__u32 off;     /* offset of the header to parse next */
	__u32 cap_len; /* captured bytes */
	__u32 raw;     /* length on the wire (datapath parser.raw) */
};

/* What the update needs from one frame: datapath.Meta, field for field. */
struct pkt_meta {
	struct flow_key key;
	enum punt_reason punt; /* PUNT_NONE, or why the Go engine must take the packet */
	__u64 status;          /* flowStat bits set by this packet */
	__u32 l7_len;          /* T2 packet->len with PACKETLENGTH=3 */
	__u32 pad_len;         /* Ethernet padding bytes */
	__u32 cap_len;         /* captured bytes of the frame */
	__u32 frag_id;         /* IPv4 ID or IPv6 fragment identification */
	__u32 tcp_seq;
	__u32 tcp_ack;
	__u16 ipid; /* IPv4 ID (DUPIPID), 0 for IPv6 */
	__u16 tcp_win;
	__u16 hdr_cnt;          /* headers counted (uncapped) */
	__u16 vlans[MAX_VLANS]; /* raw TCIs, outer first */
	__u8 hdrs[MAX_HDRS];    /* enum hdr_code stack, zero after n_hdrs */
	__u8 n_hdrs;
	__u8 n_vlans;
	__u8 l3; /* L3_NONE, L3_IPV4, L3_IPV6 */
	__u8 l4_proto;
	__u8 ttl;
	__u8 tcp_flags;
	__u8 tcp_valid;  /* seq, ack and flags were captured (first fragment) */
	__u8 tcp_win_ok; /* the window was captured */
	__u8 no_flow;    /* the packet belongs to no flow */
	__u8 l2_flow;    /* non-IP frame keyed by MACs and ethertype */
	__u8 frag_later; /* a non-first fragment */
	__u8 frag_first; /* first fragment of a fragmented datagram */
	__u8 frag_more;  /* MF flag */
	__u8 via_frag;   /* matched through the fragment table (set by flow.h) */
	__u8 src_mac[6];
	__u8 dst_mac[6];
};

/*
 * Flow keys by 8-byte words. Every struct flow_key of the program starts
 * 8-byte aligned (at offset 0 of struct pkt_meta and struct pkt_result,
 * at aligned offsets of struct scratchpad, as a map key or value), and
 * its 56 bytes are 7 words, so keys are copied, compared and built a word
 * at a time: by flow_key's own 2-byte alignment clang would move 28
 * halfwords, and a key built from narrow stores and read back by words
 * stalls store-to-load forwarding. Word 5 holds eth_type in its bytes
 * 4-5, word 6 src_port, dst_port and l4_proto in its bytes 0-4 (little
 * endian, as bpfel is).
 */
#define KEY_WORDS 7
_Static_assert(sizeof(struct flow_key) == KEY_WORDS * 8, "flow_key is 7 words");
_Static_assert(__builtin_offsetof(struct flow_key, eth_type) == 44, "eth_type in word 5");
_Static_assert(__builtin_offsetof(struct flow_key, src_port) == 48, "ports in word 6");
_Static_assert(__builtin_offsetof(struct flow_key, dst_port) == 50, "ports in word 6");
_Static_assert(__builtin_offsetof(struct flow_key, l4_proto) == 52, "l4_proto in word 6");
_Static_assert(__builtin_offsetof(struct pkt_meta, key) == 0, "pkt_meta key aligned");
_Static_assert(__builtin_offsetof(struct pkt_result, key) == 0, "pkt_result key aligned");
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "key words assume a little-endian target (bpfel)"
#endif

/* key_get returns word i of key k. */
static __always_inline __u64 key_get(const struct flow_key *k, __u32 i)
{
	__u64 w;

	__builtin_memcpy(&w, (const __u8 *)__builtin_assume_aligned(k, 8) + 8 * i, sizeof(w));
	return w;
}

/* key_put stores w as word i of key k. Returns nothing. */
static __always_inline void key_put(struct flow_key *k, __u32 i, __u64 w)
{
	__builtin_memcpy((__u8 *)__builtin_assume_aligned(k, 8) + 8 * i, &w, sizeof(w));
}

/*
 * cur_has reports whether n bytes at offset off are captured (datapath
 * parser.has). Returns 1 or 0. Reads go through the ld* helpers below,
 * which check and load in one step: an inline helper that returned a
 * packet pointer or NULL lets clang repeat the bounds check on a fresh
 * register, which the verifier cannot follow.
 */
static __always_inline int cur_has(const struct hdr_cursor *c, __u32 off, __u32 n)
{
	__u8 *p;

	if (off > MAX_PKT_OFF)
		return 0;
	p = (__u8 *)c->data + off;
	return !(p + n > (__u8 *)c->data_end);
}

/* ld8 stores the byte at off in *v. Returns 0, or -1 when it is not captured. */
static __always_inline int ld8(const struct hdr_cursor *c, __u32 off, __u8 *v)
{
	__u8 *p;

	if (off > MAX_PKT_OFF)
		return -1;
	p = (__u8 *)c->data + off;
	if (p + 1 > (__u8 *)c->data_end)
		return -1;
	*v = *p;
	return 0;
}

/* ld16 stores the big-endian 16-bit value at off in *v. Returns 0, or -1 when not captured. */
static __always_inline int ld16(const struct hdr_cursor *c, __u32 off, __u16 *v)
{
	__u8 *p;

	if (off > MAX_PKT_OFF)
		return -1;
	p = (__u8 *)c->data + off;
	if (p + 2 > (__u8 *)c->data_end)
		return -1;
	*v = (__u16)p[0] << 8 | p[1];
	return 0;
}

/* ld32 stores the big-endian 32-bit value at off in *v. Returns 0, or -1 when not captured. */
static __always_inline int ld32(const struct hdr_cursor *c, __u32 off, __u32 *v)
{
	__u8 *p;

	if (off > MAX_PKT_OFF)
		return -1;
	p = (__u8 *)c->data + off;
	if (p + 4 > (__u8 *)c->data_end)
		return -1;
	*v = (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
	return 0;
}

/* copy6 copies a MAC address. Returns nothing. */
static __always_inline void copy6(__u8 *dst, const __u8 *src)
{
#pragma unroll
	for (int i = 0; i < 6; i++)
		dst[i] = src[i];
}

/*
 * add_hdr appends header code h to the stack (capped at MAX_HDRS) and
 * counts it (uncapped), as datapath Meta.addHdr. Returns nothing.
 */
static __always_inline void add_hdr(struct pkt_meta *m, __u8 h)
{
	__u32 n = m->n_hdrs;

	if (n < MAX_HDRS) {
		barrier_var(n);
		m->hdrs[n & 0x0f] = h;
		m->n_hdrs = n + 1;
	}
	m->hdr_cnt++;
}

#include "parse_ip.h"   /* IPv4, IPv6 and L4: parse_ipv4, parse_ipv6 */
#include "parse_fast.h" /* Ethernet/IPv4/TCP or UDP in one step: parse_fast */

/*
 * parse_eth reads the Ethernet header (datapath parser.ethernet, depth 0).
 * Returns its ethertype, or PARSE_DONE for a frame shorter than 14 bytes.
 */
static __always_inline int parse_eth(struct hdr_cursor *c, struct pkt_meta *m)
{
	struct ethhdr *eth = c->data;

	add_hdr(m, HDR_ETH);
	if ((void *)(eth + 1) > c->data_end) {
		m->status |= FS_L2_SNAPLEN | FS_STOP_DISSECT;
		return PARSE_DONE;
	}
	copy6(m->dst_mac, eth->h_dest);
	copy6(m->src_mac, eth->h_source);
	c->off = sizeof(*eth);
	return bpf_ntohs(eth->h_proto);
}

/* The 4 bytes after a VLAN ethertype: TCI, then the next ethertype. */
struct vlan_tag {
	__be16 tci;
	__be16 next;
};

/*
 * parse_vlans skips up to MAX_VLAN_SCAN VLAN tags starting with ethertype
 * et (datapath parser.ethertype): T2 keys on the innermost VID and keeps
 * the first MAX_VLANS raw TCIs. cur->off stays 2 bytes past the ethertype
 * field in use. Returns the first non-VLAN ethertype (or a VLAN one after
 * MAX_VLAN_SCAN tags, as Go), or PARSE_DONE for a cut tag.
 */
static __always_inline int parse_vlans(struct hdr_cursor *c, struct pkt_meta *m, int et)
{
#pragma unroll
	for (int i = 0; i < MAX_VLAN_SCAN; i++) {
		struct vlan_tag *tag;
		__u16 tci;
		__u32 n;

		if (et != ETH_VLAN && et != ETH_QINQ && et != ETH_QINQ_OLD)
			break;
		add_hdr(m, HDR_VLAN);
		m->status |= FS_VLAN;
		tag = (void *)((__u8 *)c->data + c->off);
		if ((void *)(tag + 1) > c->data_end) {
			m->status |= FS_L2_SNAPLEN | FS_STOP_DISSECT;
			return PARSE_DONE;
		}
		tci = bpf_ntohs(tag->tci);
		n = m->n_vlans;
		if (n < MAX_VLANS) {
			barrier_var(n);
			m->vlans[n & 0x03] = tci;
			m->n_vlans = n + 1;
		}
		if ((tci & 0x0fff) == 0)
			m->status |= FS_VLAN0;
		m->key.vlan_id = tci & 0x0fff;
		c->off += sizeof(*tag);
		et = bpf_ntohs(tag->next);
	}
	return et;
}

/*
 * parse_l2_flow turns a non-IP frame into an L2 flow keyed by the MAC
 * pair, ethertype and VLAN (datapath parser.l2Flow; t2-semantics.md
 * section 1); cur->off is just past the ethertype field, and T2 counts
 * everything after it as L7. Returns PARSE_DONE.
 */
static __always_inline int parse_l2_flow(struct hdr_cursor *c, struct pkt_meta *m, __u16 et)
{
	__u32 hdr_end = c->off, used = c->off;

	switch (et) {
	case ETH_ARP_T:
		add_hdr(m, HDR_ARP);
		m->status |= FS_ARP;
		used += 28; /* T2 counts ARP padding after the 28-byte message */
		break;
	case ETH_RARP_T:
		add_hdr(m, HDR_RARP);
		m->status |= FS_RARP;
		break;
	case ETH_LLDP:
		add_hdr(m, HDR_LLDP);
		m->status |= FS_LLDP;
		break;
	case ETH_PPPOE_D:
		add_hdr(m, HDR_PPPOED);
		m->status |= FS_PPPOE_D;
		break;
	default:
		add_hdr(m, HDR_DATA);
	}
	m->l2_flow = 1;
	m->status |= FS_L2_FLOW;
	m->key.eth_type = et;
	copy6(m->key.eth_dst, m->dst_mac);
	copy6(m->key.eth_src, m->src_mac);
	if (c->raw > hdr_end)
		m->l7_len = c->raw - hdr_end;
	if (c->raw <= MIN_RAW_LEN && c->raw >= used)
		m->pad_len = c->raw - used;
	return PARSE_DONE;
}

/*
 * parse_frame parses an Ethernet frame into m (datapath.Parse with
 * LinkEthernet). Returns 0, or PARSE_PUNT when m->punt names an
 * encapsulation left to the Go engine. m->no_flow is set for a packet that
 * belongs to no flow.
 */
static __always_inline int parse_frame(struct xdp_md *ctx, struct hdr_cursor *c, struct pkt_meta *m)
{
	int et = parse_eth(c, m);

	if (et >= 0)
		et = parse_vlans(c, m, et);
	if (et >= 0 && et <= ETH_MAX_LEN) {
		m->punt = PUNT_LLC;
		return PARSE_PUNT;
	}
	switch (et) {
	case PARSE_DONE:
		break;
	case ETH_IPV4_T:
		et = flowtap_ipv4(ctx, m, c->off, c->cap_len, c->raw);
		break;
	case ETH_IPV6_T:
		et = flowtap_ipv6(ctx, m, c->off, c->cap_len, c->raw);
		break;
	case ETH_MPLS:
	case ETH_MPLS_MC:
		m->punt = PUNT_MPLS;
		return PARSE_PUNT;
	case ETH_PPPOE_S:
		m->punt = PUNT_PPPOE;
		return PARSE_PUNT;
	default:
		et = parse_l2_flow(c, m, et);
	}
	if (et == PARSE_PUNT)
		return PARSE_PUNT;
	if (m->l3 == L3_NONE && !m->l2_flow)
		m->no_flow = 1;
	return 0;
}

/*
 * flowtap_parse is parse_frame as a verification unit (see flowtap_ipv4):
 * the paths through the VLAN tags and L2/L3 dispatch end here instead of
 * each continuing through the flow lookup. Returns 0 or PARSE_PUNT.
 */
__noinline int flowtap_parse(struct xdp_md *ctx, struct pkt_meta *m, __u32 cap_len, __u32 raw)
{
	struct hdr_cursor c = {
	    .data = (void *)(long)ctx->data,
	    .data_end = (void *)(long)ctx->data_end,
	    .cap_len = cap_len,
	    .raw = raw,
	};

	if (!m)
		return 0;
	return parse_frame(ctx, &c, m);
}

#endif /* FLOWTAP_PARSE_H */
