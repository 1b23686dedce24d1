/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * tunnel.h: which encapsulations behind an IP header the Go parser
 * follows (datapath parse_tunnel.go: IP-in-IP, 6in4, GRE, VXLAN, GENEVE,
 * Teredo). The kernel does not decapsulate: it recognises exactly the
 * packets datapath ipTunnel would hand to an inner header, with the same
 * captured-length conditions, and punts them to the Go engine. Every other
 * packet keeps its outer flow in both. Included by parse_ip.h.
 */
#ifndef FLOWTAP_TUNNEL_H
#define FLOWTAP_TUNNEL_H

/* UDP ports of the tunnels the Go parser follows. */
#define PORT_TEREDO 3544
#define PORT_VXLAN  4789
#define PORT_GENEVE 6081

/*
 * teredo_follows reports whether datapath parser.teredo would follow the
 * UDP payload at pl: it skips up to MAX_TEREDO_HDRS authentication or
 * origin-indication headers and needs a captured IPv6 header behind them.
 * Returns 1 or 0.
 */
static __always_inline int teredo_follows(const struct hdr_cursor *c, __u32 pl)
{
	__u8 id_len, auth_len, v;

#pragma unroll
	for (int i = 0; i < MAX_TEREDO_HDRS; i++) {
		__u16 kind;

		if (ld16(c, pl, &kind))
			break;
		if (kind == 0x0001) { /* authentication: 4 + id len + auth len + 8 + 1 */
			if (!cur_has(c, pl, 4) || ld8(c, pl + 2, &id_len) ||
			    ld8(c, pl + 3, &auth_len))
				return 0;
			pl += 4 + (__u32)id_len + (__u32)auth_len + 9;
		} else if (kind == 0x0000) { /* origin indication */
			pl += 8;
		}
	}
	return cur_has(c, pl, 40) && ld8(c, pl, &v) == 0 && (v >> 4) == 6;
}

/*
 * udp_tunnel is datapath parser.udpTunnel's decision for the UDP header
 * at l4. Returns the punt reason of a VXLAN, GENEVE or Teredo payload the
 * Go parser would follow, or PUNT_NONE.
 */
static __always_inline int udp_tunnel(const struct hdr_cursor *c, __u32 l4)
{
	__u16 sp, dp, et;
	__u32 pl = l4 + 8;
	__u8 v;

	if (!cur_has(c, l4, 8) || ld16(c, l4, &sp) || ld16(c, l4 + 2, &dp))
		return PUNT_NONE;
	if (sp == 0 || dp == 0)
		return PUNT_NONE;
	if (sp == PORT_VXLAN || dp == PORT_VXLAN) {
		if (!cur_has(c, pl, 8 + 14) || ld8(c, pl, &v))
			return PUNT_NONE;
		return v & 0x08 ? PUNT_VXLAN : PUNT_NONE;
	}
	if (sp == PORT_GENEVE || dp == PORT_GENEVE) {
		if (!cur_has(c, pl, 8) || ld8(c, pl, &v) || (v >> 6) != 0 || ld16(c, pl + 2, &et))
			return PUNT_NONE;
		return et == ETH_TEB || et == ETH_IPV4_T || et == ETH_IPV6_T ? PUNT_GENEVE
		                                                             : PUNT_NONE;
	}
	if (sp == PORT_TEREDO || dp == PORT_TEREDO)
		return teredo_follows(c, pl) ? PUNT_TEREDO : PUNT_NONE;
	return PUNT_NONE;
}

/*
 * ip_tunnel is datapath parser.ipTunnel's decision for the payload at l4
 * of protocol proto, without following it. Like Go, it sets L3_IPIP for
 * an IP-in-IP payload even when too little is captured to follow it.
 * Returns the punt reason, or PUNT_NONE when the outer header keeps the flow.
 */
static __always_inline int ip_tunnel(const struct hdr_cursor *c, struct pkt_meta *m, __u32 l4,
                                     __u8 proto)
{
	__u16 et;

	switch (proto) {
	case PROTO_IPIP:
		m->status |= FS_IPIP;
		return cur_has(c, l4, 20) ? PUNT_IPIP : PUNT_NONE;
	case PROTO_IPV6:
		m->status |= FS_IPIP;
		return cur_has(c, l4, 40) ? PUNT_IPIP : PUNT_NONE;
	case PROTO_GRE:
		if (!cur_has(c, l4, 4) || ld16(c, l4 + 2, &et))
			return PUNT_NONE;
		if (et == ETH_IPV4_T || et == ETH_IPV6_T || et == ETH_TEB || et == ETH_PPP_GRE)
			return PUNT_GRE;
		return PUNT_NONE;
	case PROTO_UDP:
		return udp_tunnel(c, l4);
	}
	return PUNT_NONE;
}

#endif /* FLOWTAP_TUNNEL_H */
