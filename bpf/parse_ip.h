/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * parse_ip.h: IPv4, IPv6 (extension headers, fragments) and L4 ports,
 * the twin of datapath parse_ip.go and parse_ipv6.go at depth 0. Included
 * by parse.h, whose contract applies. Tunnels are recognised by tunnel.h
 * and punted.
 */
#ifndef FLOWTAP_PARSE_IP_H
#define FLOWTAP_PARSE_IP_H

#include <linux/ip.h>
#include <linux/ipv6.h>

/* IP protocol numbers. */
#define PROTO_HOPOPTS  0
#define PROTO_ICMP     1
#define PROTO_IGMP     2
#define PROTO_IPIP     4
#define PROTO_TCP      6
#define PROTO_UDP      17
#define PROTO_IPV6     41
#define PROTO_ROUTING  43
#define PROTO_FRAG     44
#define PROTO_GRE      47
#define PROTO_ESP      50
#define PROTO_AH       51
#define PROTO_ICMPV6   58
#define PROTO_DSTOPTS  60
#define PROTO_OSPF     89
#define PROTO_PIM      103
#define PROTO_SCTP     132
#define PROTO_MOBILITY 135
#define PROTO_UDPLITE  136

#include "tunnel.h" /* which encapsulations the Go parser follows: punt decisions */

#define PORT_UPNP 1900 /* SSDP */

/*
 * add_hdr_proto records an L4 protocol without ports in the header stack
 * (datapath Meta.addHdrProto). Returns nothing.
 */
static __always_inline void add_hdr_proto(struct pkt_meta *m, __u8 proto)
{
	switch (proto) {
	case PROTO_TCP:
		add_hdr(m, HDR_TCP);
		break;
	case PROTO_UDP:
		add_hdr(m, HDR_UDP);
		break;
	case PROTO_ICMP:
		add_hdr(m, HDR_ICMP);
		break;
	case PROTO_ICMPV6:
		add_hdr(m, HDR_ICMPV6);
		break;
	case PROTO_IGMP:
		add_hdr(m, HDR_IGMP);
		break;
	case PROTO_SCTP:
		add_hdr(m, HDR_SCTP);
		break;
	case PROTO_ESP:
		add_hdr(m, HDR_ESP);
		m->status |= FS_IPSEC_ESP;
		break;
	case PROTO_AH:
		add_hdr(m, HDR_AH);
		m->status |= FS_IPSEC_AH;
		break;
	case PROTO_OSPF:
		add_hdr(m, HDR_OSPF);
		break;
	case PROTO_PIM:
		add_hdr(m, HDR_PIM);
		break;
	case PROTO_GRE:
		add_hdr(m, HDR_GRE);
		m->status |= FS_GRE;
		break;
	case PROTO_UDPLITE:
		add_hdr(m, HDR_UDPLITE);
		break;
	default:
		add_hdr(m, HDR_DATA);
	}
}

/*
 * l3_common applies T2's snap-length checks and padding estimate to the IP
 * header at off of L3 length l3_len (datapath parser.l3Common). Returns
 * nothing.
 */
static __always_inline void l3_common(const struct hdr_cursor *c, struct pkt_meta *m, __u32 off,
                                      __u32 l3_len)
{
	if (c->cap_len - off < l3_len)
		m->status |= FS_L3_SNAPLEN;
	if (l3_len < 20)
		m->status |= FS_L3_HDR_SHORT;
	if (c->raw <= MIN_RAW_LEN && c->raw >= l3_len + off)
		m->pad_len = c->raw - l3_len - off;
	else
		m->pad_len = 0;
}

/*
 * set_ports stores the ports at l4 in the flow key, host order, and spots
 * SSDP (datapath parser.upnp). Returns 0, or -1 when they are not captured.
 */
static __always_inline int set_ports(const struct hdr_cursor *c, struct pkt_meta *m, __u32 l4,
                                     int upnp)
{
	__u16 s, d;

	if (ld16(c, l4, &s) || ld16(c, l4 + 2, &d))
		return -1;
	m->key.src_port = s;
	m->key.dst_port = d;
	if (upnp && ((d == PORT_UPNP && s > 1024) || (s == PORT_UPNP && d > 1024))) {
		add_hdr(m, HDR_SSDP);
		m->status |= FS_UPNP;
	}
	return 0;
}

/*
 * l4_ports fills the ports and TCP fields of a first (or only) fragment
 * (datapath parser.l4Ports). Returns nothing.
 */
static __always_inline void l4_ports(const struct hdr_cursor *c, struct pkt_meta *m, __u32 l4,
                                     __u32 l3_hdr, __u32 l3_len, __u8 proto)
{
	switch (proto) {
	case PROTO_TCP:
		add_hdr(m, HDR_TCP);
		if (l3_len < l3_hdr + 20 || set_ports(c, m, l4, 1)) {
			m->status |= FS_L4_HDR_SHORT;
			return;
		}
		if (cur_has(c, l4, 14) && !ld32(c, l4 + 4, &m->tcp_seq) &&
		    !ld32(c, l4 + 8, &m->tcp_ack) && !ld8(c, l4 + 13, &m->tcp_flags))
			m->tcp_valid = 1;
		if (cur_has(c, l4, 16) && !ld16(c, l4 + 14, &m->tcp_win))
			m->tcp_win_ok = 1;
		return;
	case PROTO_UDP:
	case PROTO_UDPLITE:
		add_hdr(m, proto == PROTO_UDP ? HDR_UDP : HDR_UDPLITE);
		if (l3_len < l3_hdr + 8 || set_ports(c, m, l4, 1))
			m->status |= FS_L4_HDR_SHORT;
		return;
	case PROTO_SCTP:
		add_hdr(m, HDR_SCTP);
		m->status |= FS_SCTP;
		if (l3_len < l3_hdr + 16 || set_ports(c, m, l4, 0))
			m->status |= FS_L4_HDR_SHORT;
		return;
	default:
		add_hdr_proto(m, proto);
	}
}

/*
 * l4_hdr_len is the L4 header length T2 subtracts for the L7 length
 * (datapath parser.l4): snapped tells whether the L3 payload was cut.
 * Returns it in bytes.
 */
static __always_inline __u32 l4_hdr_len(const struct hdr_cursor *c, __u32 l4, __u8 proto,
                                        int snapped, __u32 l4_to_end)
{
	__u8 v;

	switch (proto) {
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		return 8;
	case PROTO_TCP:
		if ((snapped && l4_to_end < 20) || !cur_has(c, l4, 13) || ld8(c, l4 + 12, &v))
			return 20;
		return (__u32)(v >> 4) << 2;
	case PROTO_SCTP:
		return 12;
	case PROTO_OSPF:
		return ld8(c, l4, &v) == 0 && v == 2 ? 24 : 16;
	}
	return 8;
}

/*
 * parse_l4 reads ports and TCP fields and computes the L7 length
 * (datapath parser.l4; t2-semantics.md section 5): l4 is the offset of
 * the IP payload, l3_hdr the IP header length with extension headers,
 * l3_len T2's L3 length. Returns PARSE_DONE.
 */
static __always_inline int parse_l4(const struct hdr_cursor *c, struct pkt_meta *m, __u32 l4,
                                    __u32 l3_hdr, __u32 l3_len, __u8 proto)
{
	int snapped = (m->status & FS_L3_SNAPLEN) != 0;
	__u32 l4_to_end = c->cap_len > l4 ? c->cap_len - l4 : 0;
	__u32 hdr_off = 0;

	m->l4_proto = proto;
	m->key.l4_proto = proto;
	if (!m->frag_later) {
		hdr_off = l4_hdr_len(c, l4, proto, snapped, l4_to_end);
		if (snapped && l4_to_end < hdr_off)
			m->status |= FS_L4_HDR_SHORT;
	}
	if (l3_len >= l3_hdr + hdr_off) {
		m->l7_len = l3_len - l3_hdr - hdr_off;
	} else {
		m->l7_len = 0;
		m->status |= FS_L4_HDR_SHORT;
	}
	if (m->frag_later)
		add_hdr_proto(m, proto);
	else
		l4_ports(c, m, l4, l3_hdr, l3_len, proto);
	return PARSE_DONE;
}

/*
 * ipv4_l3_len is T2's L3 length: the header's length field hdr_len, or the
 * rest of the frame on the wire when the field is 0 (TSO) or larger
 * (datapath parser.ipv4). Returns it; sets IP_PL_MSMTCH for a zero field.
 */
static __always_inline __u32 ipv4_l3_len(const struct hdr_cursor *c, struct pkt_meta *m, __u32 off,
                                         __u32 hdr_len)
{
	__u32 calc = c->raw > off ? c->raw - off : 0;

	if (hdr_len == 0 && calc != 0)
		m->status |= FS_IP_LEN_MISMATCH;
	if (hdr_len == 0 || hdr_len > calc)
		hdr_len = calc;
	return hdr_len;
}

/*
 * parse_ipv4 decodes the IPv4 header at cur->off (datapath parser.ipv4,
 * depth 0). Returns PARSE_DONE, or PARSE_PUNT for a tunnel the Go parser
 * follows.
 */
static __always_inline int parse_ipv4(struct hdr_cursor *c, struct pkt_meta *m)
{
	__u32 off = c->off, ihl, l4, l3_len;
	struct iphdr *ip = (void *)((__u8 *)c->data + off);
	__u16 frag;
	__u8 vihl, proto;
	int later;

	m->status |= FS_IPV4_PKT;
	if ((void *)(ip + 1) > c->data_end) {
		add_hdr(m, HDR_IPV4);
		m->status |= FS_L3_SNAPLEN | FS_L3_HDR_SHORT | FS_STOP_DISSECT;
		return PARSE_DONE;
	}
	vihl = *(__u8 *)ip;
	if ((vihl >> 4) != 4) {
		add_hdr(m, HDR_IPVX);
		m->status |= FS_IPVX;
	} else {
		add_hdr(m, HDR_IPV4);
	}
	ihl = (__u32)(vihl & 0x0f) << 2;
	if (ihl < 20) {
		m->status |= FS_IPV4_HL_SHORT;
		return PARSE_DONE;
	}
	frag = bpf_ntohs(ip->frag_off);
	later = (frag & 0x1fff) != 0;
	proto = ip->protocol;
	l4 = off + ihl;
	if (!later) {
		m->punt = ip_tunnel(c, m, l4, proto);
		if (m->punt)
			return PARSE_PUNT;
	}
	m->status |= FS_IPV4; /* T2 marks the packet with its flow's IP version */
	m->l3 = L3_IPV4;
	m->key.eth_type = ETH_IPV4_T;
	__builtin_memcpy(m->key.src_ip, &ip->saddr, 4);
	__builtin_memcpy(m->key.dst_ip, &ip->daddr, 4);
	m->ttl = ip->ttl;
	m->ipid = bpf_ntohs(ip->id);
	m->frag_id = m->ipid;
	m->frag_later = later;
	m->frag_more = (frag & 0x2000) != 0;
	m->frag_first = !later && m->frag_more;
	if (later)
		m->status |= FS_STOP_DISSECT;
	l3_len = ipv4_l3_len(c, m, off, bpf_ntohs(ip->tot_len));
	l3_common(c, m, off, l3_len);
	return parse_l4(c, m, l4, ihl, l3_len, proto);
}

/* The IPv6 extension walk's result: where L4 starts and the fragment fields. */
struct ipv6_ext {
	__u32 hl; /* IPv6 header plus extension headers, bytes */
	__u32 frag_id;
	__u8 nxt; /* protocol after the last header walked */
	__u8 later;
	__u8 first;
	__u8 more;
};

/*
 * ipv6_ext_step walks one extension header of the chain at x->hl past the
 * IPv6 header at off (one turn of datapath parser.ipv6's loop). Returns 1
 * to go on, 0 when the chain ends here.
 */
static __always_inline int ipv6_ext_step(const struct hdr_cursor *c, struct pkt_meta *m, __u32 off,
                                         struct ipv6_ext *x)
{
	__u32 e = off + x->hl, step;
	__u8 nxt, len;
	__u16 fo;

	switch (x->nxt) {
	case PROTO_HOPOPTS:
	case PROTO_DSTOPTS:
	case PROTO_ROUTING:
	case PROTO_MOBILITY:
		if (!cur_has(c, e, 2) || ld8(c, e, &nxt) || ld8(c, e + 1, &len)) {
			m->status |= FS_L4_HDR_SHORT;
			return 0;
		}
		add_hdr(m, x->nxt == PROTO_HOPOPTS   ? HDR_HOPOPTS
		           : x->nxt == PROTO_DSTOPTS ? HDR_DSTOPTS
		           : x->nxt == PROTO_ROUTING ? HDR_ROUTING
		                                     : HDR_MOBILITY);
		step = ((__u32)len + 1) << 3;
		break;
	case PROTO_FRAG:
		add_hdr(m, HDR_FRAGHDR);
		if (!cur_has(c, e, 8) || ld8(c, e, &nxt) || ld16(c, e + 2, &fo) ||
		    ld32(c, e + 4, &x->frag_id)) {
			m->status |= FS_L4_HDR_SHORT;
			return 0;
		}
		x->later = (fo & 0xfff8) != 0;
		x->more = (fo & 0x0001) != 0;
		x->first = !x->later && x->more;
		step = 8;
		break;
	case PROTO_AH:
		if (!cur_has(c, e, 2) || ld8(c, e, &nxt) || ld8(c, e + 1, &len))
			return 0;
		add_hdr(m, HDR_AH);
		m->status |= FS_IPSEC_AH;
		step = ((__u32)len + 2) << 2;
		break;
	default:
		return 0;
	}
	x->nxt = nxt;
	x->hl += step;
	return !x->later;
}

/*
 * flowtap_ipv6_ext is ipv6_ext_step as a verification unit (see
 * flowtap_ipv4): walked inline, each header kind times each step length
 * multiplied the paths to verify (4^MAX_IPV6_EXT); as a unit the walk
 * state comes back unknown and one path per turn remains. Returns 1 to go
 * on, 0 when the chain ends.
 */
__noinline int flowtap_ipv6_ext(struct xdp_md *ctx, struct pkt_meta *m, struct ipv6_ext *x,
                                __u32 off)
{
	struct hdr_cursor c = {
	    .data = (void *)(long)ctx->data,
	    .data_end = (void *)(long)ctx->data_end,
	};

	if (!m || !x || off > MAX_PKT_OFF || x->hl > MAX_PKT_OFF)
		return 0;
	return ipv6_ext_step(&c, m, off, x);
}

/*
 * parse_ipv6 decodes the IPv6 header at cur->off and walks up to
 * MAX_IPV6_EXT extension headers (datapath parser.ipv6, depth 0). Returns
 * PARSE_DONE, or PARSE_PUNT for a tunnel the Go parser follows.
 */
static __always_inline int parse_ipv6(struct xdp_md *ctx, struct hdr_cursor *c, struct pkt_meta *m)
{
	struct ipv6_ext x = {.hl = 40};
	__u32 off = c->off, calc, pay, l3_len;
	struct ipv6hdr *ip = (void *)((__u8 *)c->data + off);

	m->status |= FS_IPV6_PKT;
	if ((void *)(ip + 1) > c->data_end) {
		add_hdr(m, HDR_IPV6);
		m->status |= FS_L3_SNAPLEN | FS_L3_HDR_SHORT | FS_STOP_DISSECT;
		return PARSE_DONE;
	}
	if ((*(__u8 *)ip >> 4) != 6) {
		add_hdr(m, HDR_IPVX);
		m->status |= FS_IPVX;
	} else {
		add_hdr(m, HDR_IPV6);
	}
	calc = c->raw > off ? c->raw - off : 0;
	pay = bpf_ntohs(ip->payload_len);
	l3_len = pay + 40;
	if ((pay == 0 && calc != 0) || l3_len > calc)
		m->status |= FS_IP_LEN_MISMATCH;
	if (pay == 0 || l3_len > calc)
		l3_len = calc;
	x.nxt = ip->nexthdr;
	for (int i = 0; i < MAX_IPV6_EXT; i++) {
		if (!flowtap_ipv6_ext(ctx, m, &x, off))
			break;
	}
	/* x came back unknown from the unit: bound it for the offsets below. */
	if (x.hl > MAX_PKT_OFF)
		x.hl = MAX_PKT_OFF + 1;
	if (!x.later) {
		m->punt = ip_tunnel(c, m, off + x.hl, x.nxt);
		if (m->punt)
			return PARSE_PUNT;
	}
	m->status |= FS_IPV6;
	m->l3 = L3_IPV6;
	m->key.eth_type = ETH_IPV6_T;
	__builtin_memcpy(m->key.src_ip, &ip->saddr, 16);
	__builtin_memcpy(m->key.dst_ip, &ip->daddr, 16);
	m->ttl = ip->hop_limit;
	m->frag_later = x.later;
	m->frag_first = x.first;
	m->frag_more = x.more;
	m->frag_id = x.frag_id;
	if (x.later)
		m->status |= FS_STOP_DISSECT;
	l3_common(c, m, off, l3_len);
	return parse_l4(c, m, off + x.hl, x.hl, l3_len, x.nxt);
}

/*
 * cursor_at rebuilds a cursor at offset off inside a verification unit.
 * Returns 0, or -1 when off is beyond any Ethernet/VLAN header.
 */
static __always_inline int cursor_at(struct hdr_cursor *c, struct xdp_md *ctx, __u32 off,
                                     __u32 cap_len, __u32 raw)
{
	if (off > ETH_HLEN + 4 * MAX_VLAN_SCAN)
		return -1;
	c->data = (void *)(long)ctx->data;
	c->data_end = (void *)(long)ctx->data_end;
	c->off = off;
	c->cap_len = cap_len;
	c->raw = raw;
	return 0;
}

/*
 * flowtap_ipv4 and flowtap_ipv6 are verification units: global functions,
 * which the verifier checks once with unknown arguments instead of once
 * per Ethernet/VLAN path that reaches them (which exceeded its budget of
 * a million instructions). They parse the IP header at off of the frame
 * of ctx into m. Return PARSE_DONE or PARSE_PUNT.
 */
__noinline int flowtap_ipv4(struct xdp_md *ctx, struct pkt_meta *m, __u32 off, __u32 cap_len,
                            __u32 raw)
{
	struct hdr_cursor c;

	if (!m || cursor_at(&c, ctx, off, cap_len, raw))
		return PARSE_DONE;
	return parse_ipv4(&c, m);
}

/* flowtap_ipv6: see flowtap_ipv4. */
__noinline int flowtap_ipv6(struct xdp_md *ctx, struct pkt_meta *m, __u32 off, __u32 cap_len,
                            __u32 raw)
{
	struct hdr_cursor c;

	if (!m || cursor_at(&c, ctx, off, cap_len, raw))
		return PARSE_DONE;
	return parse_ipv6(ctx, &c, m);
}

#endif /* FLOWTAP_PARSE_IP_H */
