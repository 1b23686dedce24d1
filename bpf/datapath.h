/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * datapath.h: the per-packet update of one flow direction, the twin of
 * userspace/datapath update.go: InitFlow, then Update's steps in T2's
 * plugin order (DUPIPID, basicFlow, basicStats, tcpStates, tcpWin, pcapd
 * selection), same fields, same integer arithmetic.
 *
 * Concurrency (one flow's packets on several CPUs at once, live): the
 * counters pkts, cap_bytes, pad_bytes, l7_bytes, tcp_pkts and win_th_cnt
 * use atomic adds and status uses atomic or/and, so they stay exact, and
 * so do the one-time win_init/win_ttl (taken by the packet whose tcp_pkts
 * increment returned 0) and FL_ALARM. last_ns is exchanged atomically, so
 * every packet sees a distinct predecessor for its IAT. Best effort under
 * such contention: the running variances, min/max L7 and IAT, hdr_desc,
 * the MAC lists, DUPIPID and the TCP state machine (tcpstates.h).
 */
#ifndef FLOWTAP_DATAPATH_H
#define FLOWTAP_DATAPATH_H

#include "types.h"
#include "config.h"
#include "parse.h"
#include "maps.h"
#include "keys.h"
#include "var128.h"
#include "tcpstates.h"

/* update_flow's result bits. */
enum update_bit {
	UPD_TCP_COUNT = 0x1,   /* tcpWin counted a TCP packet */
	UPD_LOW_WIN = 0x2,     /* ... with a window below the threshold */
	UPD_REMOVE = 0x4,      /* force mode: remove the flow */
	UPD_DUMP = 0x8,        /* pcapd selected the packet */
	UPD_OPP_LOOKED = 0x10, /* the update looked the opposite direction up */
	UPD_OPP_FOUND = 0x20,  /* ... and it exists */
};

/*
 * status_set ors bits into st->status atomically. Most packets set bits
 * their flow has already: the plain read first skips the locked or then.
 * The skipped or would have changed nothing, and a concurrent
 * status_clear is as if ordered after it. Returns nothing.
 */
static __always_inline void status_set(struct flow_state *st, __u64 bits)
{
	if ((*(volatile __u64 *)&st->status & bits) != bits)
		__sync_fetch_and_or(&st->status, bits);
}

/* status_clear clears bits of st->status atomically. Returns nothing. */
static __always_inline void status_clear(struct flow_state *st, __u64 bits)
{
	__sync_fetch_and_and(&st->status, ~bits);
}

/*
 * init_flow prepares st for the first packet m of a new flow direction
 * (datapath.InitFlow); flowInd and L3FLOWINVERT are flow.h's. Returns
 * nothing.
 */
static __always_inline void init_flow(struct flow_state *st, const struct pkt_meta *m, __u64 ts)
{
	__builtin_memset(st, 0, sizeof(*st));
	st->first_ns = ts;
	st->last_ns = ts;
	st->timeout_ns = flow_timeout_ns;
	st->min_l7 = 0xffff;
	if (m->l2_flow)
		st->status = FS_L2_FLOW;
	else if (m->l3 == L3_IPV6)
		st->status = FS_IPV6;
	else
		st->status = FS_IPV4;
	/* basicFlow takes the VLAN tags of the flow's first packet. */
	st->vlan_cnt = m->n_vlans;
#pragma unroll
	for (int i = 0; i < MAX_VLANS; i++)
		st->vlan_tci[i] = m->vlans[i];
}

/* hdrs_equal returns 1 when header stack a equals m's (all MAX_HDRS codes). */
static __always_inline int hdrs_equal(const __u8 *a, const struct pkt_meta *m)
{
#pragma unroll
	for (int i = 0; i < MAX_HDRS; i++)
		if (a[i] != m->hdrs[i])
			return 0;
	return 1;
}

/*
 * add_mac appends mac to list (n entries kept) unless present or full
 * (datapath addMAC). Returns the new count.
 */
static __always_inline __u8 add_mac(__u8 list[MAX_MACS][6], __u32 n, const __u8 *mac)
{
	if (n >= MAX_MACS)
		return n;
	for (int i = 0; i < MAX_MACS; i++) {
		if (i >= n)
			break;
		if (list[i][0] == mac[0] && list[i][1] == mac[1] && list[i][2] == mac[2] &&
		    list[i][3] == mac[3] && list[i][4] == mac[4] && list[i][5] == mac[5])
			return n;
	}
	barrier_var(n);
	copy6(list[n & 0x03], mac);
	return n + 1;
}

/* basic_flow records header stacks and MAC addresses (basicFlow). Returns nothing. */
static __always_inline void basic_flow(struct flow_state *st, const struct pkt_meta *m)
{
	__u32 cnt = st->hdr_desc_cnt;

	if (cnt >= MAX_HDR_DESC) {
		status_set(st, FS_HDR_OVERRUN); /* T2 flags every packet once 4 stacks are kept */
	} else {
		int found = 0;

		for (int i = 0; i < MAX_HDR_DESC; i++) {
			if (i >= cnt)
				break;
			if (st->hdr_len[i] == m->n_hdrs && hdrs_equal(st->hdr_desc[i], m)) {
				found = 1;
				break;
			}
		}
		if (!found) {
			barrier_var(cnt);
			__builtin_memcpy(st->hdr_desc[cnt & 0x03], m->hdrs, MAX_HDRS);
			st->hdr_len[cnt & 0x03] = m->n_hdrs;
			st->hdr_desc_cnt = cnt + 1;
		}
	}
	/* Every kernel frame is Ethernet: HasMAC holds; L2_NO_ETH never does. */
	if (st->status & FS_L2_NO_ETH)
		return;
	st->src_mac_cnt = add_mac(st->src_mac, st->src_mac_cnt, m->src_mac);
	st->dst_mac_cnt = add_mac(st->dst_mac, st->dst_mac_cnt, m->dst_mac);
}

/*
 * iat_mag returns |iat| << IAT_SHIFT, saturating beyond about 200 days,
 * and stores iat < 0 in *neg (datapath magShift).
 */
static __always_inline __u64 iat_mag(__s64 iat, int *neg)
{
	const __u64 lim = 1ULL << (62 - IAT_SHIFT);
	__u64 mag = (__u64)iat;

	*neg = iat < 0;
	if (iat < 0)
		mag = (__u64)(-iat);
	if (mag > lim)
		mag = lim;
	return mag << IAT_SHIFT;
}

/*
 * basic_stats updates counts, sizes and inter-arrival times (basicStats);
 * prev is the direction's last_ns before this packet. Returns nothing.
 */
static __always_inline void basic_stats(struct flow_state *st, const struct pkt_meta *m, __u64 ts,
                                        __u64 prev)
{
	__u64 x = m->l7_len > 0xffff ? 0xffff : m->l7_len; /* T2 keeps lengths in 16 bits */
	__u64 n = __sync_fetch_and_add(&st->pkts, 1) + 1;

	if (n > 1) {
		__u64 mean = mean_fx(st->l7_bytes, n - 1, SIZE_SHIFT), span, mean_iat, iat_abs, m_a;
		__s64 iat = (__s64)(ts - prev);
		int neg, iat_neg;

		running_var(&st->l7_var_hi, &st->l7_var_lo, abs_diff(x << SIZE_SHIFT, mean, &neg),
		            n);
		if (iat > st->max_iat_ns)
			st->max_iat_ns = iat;
		/* The mean of the previous n-1 IATs (the first is 0) telescopes to (prev - first) / (n-1). */
		span = abs_diff(prev, st->first_ns, &neg);
		mean_iat = mean_fx(span, n - 1, IAT_SHIFT);
		iat_abs = iat_mag(iat, &iat_neg);
		if (iat_neg == neg)
			m_a = abs_diff(iat_abs, mean_iat, &iat_neg);
		else
			m_a = iat_abs + mean_iat;
		running_var(&st->iat_var_hi, &st->iat_var_lo, m_a, n);
	}
	if (x)
		__sync_fetch_and_add(&st->l7_bytes, x);
	if ((__u16)x < st->min_l7)
		st->min_l7 = x;
	if ((__u16)x > st->max_l7)
		st->max_l7 = x;
}

/*
 * tcp_win counts TCP packets whose raw 16-bit window is below tcpwin_thres
 * and raises FL_ALARM in the same packet (datapath tcpWin; section 7.4).
 * Returns UPD_TCP_COUNT, UPD_LOW_WIN and UPD_REMOVE bits.
 */
static __always_inline __u32 tcp_win(struct flow_state *st, const struct pkt_meta *m)
{
	__u32 thres = tcpwin_thres, low;

	if (m->frag_later)
		return 0;
	if (__sync_fetch_and_add(&st->tcp_pkts, 1) == 0) {
		st->win_init = m->tcp_win;
		st->win_ttl = m->ttl;
	}
	if (!m->tcp_win_ok || m->tcp_win >= thres)
		return UPD_TCP_COUNT;
	low = __sync_fetch_and_add(&st->win_th_cnt, 1) + 1;
	st->win_stat |= TCPWIN_STAT_THU;
	status_set(st, FS_ALARM);
	if (force_mode && low > 1) {
		status_set(st, FS_RMFLOW);
		return UPD_TCP_COUNT | UPD_LOW_WIN | UPD_REMOVE;
	}
	return UPD_TCP_COUNT | UPD_LOW_WIN;
}

/*
 * pcapd_select applies pcapd's sticky per-flow selection (datapath
 * pcapdSelect; section 7.5); o resolves the opposite direction for
 * PD_OPP. Returns 1 when this packet is extracted.
 */
static __always_inline int pcapd_select(struct flow_state *st, struct opp_ref *o)
{
	int alarm = (st->status & FS_ALARM) != 0;
	struct flow_state *opp;

	if (alarm == (pd_eq != 0)) {
		st->dump = 1;
		if (pd_opp && (opp = opp_get(o)))
			opp->dump = 1;
	}
	return st->dump != 0;
}

/*
 * update_flow applies packet m, captured at ts, to flow direction st; o
 * resolves the opposite direction when a step needs it, is_new is set for
 * the packet that created st (datapath.Update, which is given the
 * opposite always: the steps that do not use it give the same result).
 * Returns enum update_bit bits (UPD_DUMP, UPD_LOW_WIN, UPD_TCP_COUNT,
 * UPD_REMOVE).
 */
static __always_inline __u32 update_flow(struct flow_state *st, struct opp_ref *o,
                                         const struct pkt_meta *m, __u64 ts, int is_new)
{
	__u32 res = 0;
	__u64 prev;

	if (!is_new && m->l3 == L3_IPV4 && !m->via_frag) {
		/* T2 checks DUPIPID on existing flows only; a new flow has no last ID. */
		if ((st->misc_bits & MISC_IPID_VALID) && m->ipid != 0 && m->ipid == st->last_ipid)
			status_set(st, FS_DUP_IPID);
		st->last_ipid = m->ipid;
		st->misc_bits |= MISC_IPID_VALID;
	}
	if (m->pad_len) /* adding 0 is a locked instruction all the same */
		__sync_fetch_and_add(&st->pad_bytes, m->pad_len);
	status_set(st, m->status);
	prev = __sync_lock_test_and_set(&st->last_ns, ts);
	__sync_fetch_and_add(&st->cap_bytes, m->cap_len);
	basic_flow(st, m);
	basic_stats(st, m, ts, prev);
	if (m->l4_proto == PROTO_TCP && !m->l2_flow) {
		if (m->tcp_valid)
			tcp_states(st, o, m);
		res = tcp_win(st, m);
	}
	if (pcapd_select(st, o))
		res |= UPD_DUMP;
	return res;
}

/*
 * flow_update applies the packet in s to flow st, whose key is key (for a
 * fragment not s->m.key); s->rev is scratch space for the reverse key.
 * Inline rather than a verification unit (see flowtap_ipv4): the program
 * stays far below the verifier's budget with it, and every packet saves a
 * bpf-to-bpf call. Returns enum update_bit bits, with UPD_OPP_LOOKED when
 * the opposite was looked up and UPD_OPP_FOUND when it exists.
 */
static __always_inline __u32 flow_update(struct flow_state *st, struct scratchpad *s,
                                         const struct flow_key *key, __u64 ts, int is_new)
{
	struct opp_ref o = {.p = NULL, .rev = &s->rev, .key = key, .l2 = s->m.l2_flow, .done = 0};
	__u32 res = update_flow(st, &o, &s->m, ts, is_new);

	if (o.done)
		res |= UPD_OPP_LOOKED;
	if (o.p)
		res |= UPD_OPP_FOUND;
	return res;
}

#endif /* FLOWTAP_DATAPATH_H */
