/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * parse_fast.h: the parser's fast path, the twin of datapath
 * parse_fast.go. It decodes one frame shape, the bulk of most traffic: an
 * untagged Ethernet header, an IPv4 header without options that is not a
 * fragment, then TCP or UDP with the fixed L4 header captured. One bounds
 * check covers every header and fields are loaded as words, inline in the
 * program (no bpf-to-bpf call). Any other frame, and UDP on a tunnel port
 * (which the general path may punt), goes to flowtap_parse. Its result
 * equals the general path's in every field of struct pkt_meta: it is
 * parse_frame with the branches this shape cannot take folded away.
 * Included by parse.h, after parse_ip.h and tunnel.h.
 */
#ifndef FLOWTAP_PARSE_FAST_H
#define FLOWTAP_PARSE_FAST_H

#define FAST_IP_OFF  ETH_HLEN           /* the IPv4 header follows Ethernet */
#define FAST_L4_OFF  (FAST_IP_OFF + 20) /* IHL 5 */
#define FAST_UDP_END (FAST_L4_OFF + 8)  /* captured bytes a UDP frame needs */
#define FAST_TCP_END (FAST_L4_OFF + 20) /* captured bytes a TCP frame needs */

/* The bytes at offset 12: ethertype IPv4, then version 4 and IHL 5. */
#define FAST_ET_VIHL (ETH_IPV4_T << 8 | 0x45)

/*
 * fast_tunnel_port reports whether a UDP port may carry a tunnel that the
 * general path follows (tunnel.h udp_tunnel). Returns 1 or 0.
 */
static __always_inline int fast_tunnel_port(__u16 port)
{
	return port == PORT_VXLAN || port == PORT_GENEVE || port == PORT_TEREDO;
}

/*
 * fast_l3_len applies ipv4_l3_len and l3_common to the IPv4 header at
 * FAST_IP_OFF with total length field tot_len, adding status bits to *st.
 * Returns T2's L3 length.
 */
static __always_inline __u32 fast_l3_len(const struct hdr_cursor *c, struct pkt_meta *m,
                                         __u32 tot_len, __u64 *st)
{
	__u32 calc = c->raw > FAST_IP_OFF ? c->raw - FAST_IP_OFF : 0, l3_len = tot_len;

	if (l3_len == 0 && calc != 0)
		*st |= FS_IP_LEN_MISMATCH;
	if (l3_len == 0 || l3_len > calc)
		l3_len = calc;
	if (c->cap_len - FAST_IP_OFF < l3_len)
		*st |= FS_L3_SNAPLEN;
	if (l3_len < 20)
		*st |= FS_L3_HDR_SHORT;
	if (c->raw <= MIN_RAW_LEN && c->raw >= l3_len + FAST_IP_OFF)
		m->pad_len = c->raw - l3_len - FAST_IP_OFF;
	return l3_len;
}

/*
 * fast_l7_len applies parse_l4's length rules for an L4 header of hdr_off
 * bytes after a 20-byte IPv4 header, adding status bits to *st. Returns
 * nothing; sets m->l7_len.
 */
static __always_inline void fast_l7_len(const struct hdr_cursor *c, struct pkt_meta *m,
                                        __u32 l3_len, __u32 hdr_off, __u64 *st)
{
	if ((*st & FS_L3_SNAPLEN) && c->cap_len - FAST_L4_OFF < hdr_off)
		*st |= FS_L4_HDR_SHORT;
	if (l3_len >= 20 + hdr_off)
		m->l7_len = l3_len - 20 - hdr_off;
	else
		*st |= FS_L4_HDR_SHORT;
}

/*
 * parse_fast parses a frame of the fast-path shape into m, which the
 * caller has zeroed, as parse_frame would. Returns 1 when it did, 0 for
 * any other frame, before writing m: the general parser takes it then.
 */
static __always_inline int parse_fast(const struct hdr_cursor *c, struct pkt_meta *m)
{
	__u8 *d = c->data, *l4 = d + FAST_L4_OFF;
	struct iphdr *ip = (void *)(d + FAST_IP_OFF);
	__u64 st = FS_IPV4_PKT | FS_IPV4;
	__u32 l3_len, hdr_off = 8, min_len = FAST_UDP_END - FAST_IP_OFF, n = 3;
	__u32 seq = 0, ack = 0;
	__u16 sp, dp, win = 0;
	__u8 proto, flags = 0;

	if (d + FAST_UDP_END > (__u8 *)c->data_end)
		return 0;
	if (bpf_ntohl(*(__u32 *)(d + 12)) >> 8 != FAST_ET_VIHL)
		return 0;
	if (ip->frag_off & bpf_htons(0x3fff)) /* MF or an offset */
		return 0;
	proto = ip->protocol;
	sp = bpf_ntohs(*(__u16 *)l4);
	dp = bpf_ntohs(*(__u16 *)(l4 + 2));
	if (proto == PROTO_TCP) {
		if (d + FAST_TCP_END > (__u8 *)c->data_end)
			return 0;
		seq = bpf_ntohl(*(__u32 *)(l4 + 4));
		ack = bpf_ntohl(*(__u32 *)(l4 + 8));
		hdr_off = (__u32)(l4[12] >> 4) << 2;
		flags = l4[13];
		win = bpf_ntohs(*(__u16 *)(l4 + 14));
		min_len = FAST_TCP_END - FAST_IP_OFF;
	} else if (proto != PROTO_UDP || fast_tunnel_port(sp) || fast_tunnel_port(dp)) {
		return 0;
	}
	copy6(m->dst_mac, d);
	copy6(m->src_mac, d + ETH_ALEN);
	m->l3 = L3_IPV4;
	/* Words 1, 3 and 4 (the rest of the IPs, the MACs) stay zero. */
	key_put(&m->key, 0, ip->saddr);
	key_put(&m->key, 2, ip->daddr);
	key_put(&m->key, 5, (__u64)ETH_IPV4_T << 32);
	m->ttl = ip->ttl;
	m->ipid = bpf_ntohs(ip->id);
	m->frag_id = m->ipid;
	m->l4_proto = proto;
	m->hdrs[0] = HDR_ETH;
	m->hdrs[1] = HDR_IPV4;
	m->hdrs[2] = proto == PROTO_TCP ? HDR_TCP : HDR_UDP;
	l3_len = fast_l3_len(c, m, bpf_ntohs(ip->tot_len), &st);
	fast_l7_len(c, m, l3_len, hdr_off, &st);
	if (l3_len < min_len) {
		st |= FS_L4_HDR_SHORT; /* no ports: T2 stops at the short header */
		key_put(&m->key, 6, (__u64)proto << 32);
	} else {
		key_put(&m->key, 6, (__u64)proto << 32 | (__u32)dp << 16 | sp);
		if (proto == PROTO_TCP) {
			m->tcp_seq = seq;
			m->tcp_ack = ack;
			m->tcp_flags = flags;
			m->tcp_win = win;
			m->tcp_valid = 1;
			m->tcp_win_ok = 1;
		}
		if ((dp == PORT_UPNP && sp > 1024) || (sp == PORT_UPNP && dp > 1024)) {
			m->hdrs[3] = HDR_SSDP;
			st |= FS_UPNP;
			n = 4;
		}
	}
	m->n_hdrs = n;
	m->hdr_cnt = n;
	m->status = st;
	return 1;
}

#endif /* FLOWTAP_PARSE_FAST_H */
