// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * xdp_flowtap: flowtap's XDP tap, the kernel twin of userspace/datapath.
 *
 * Attaches at XDP (native or generic) on a receiving Ethernet interface, or
 * runs under BPF_PROG_RUN for replay (capture time and wire length in the
 * XDP metadata, knob use_meta_ts). Per packet it parses the frame like
 * datapath.Parse, finds or creates the T2 flow direction in `flows` (A/B
 * pairing, flowInd, fragment table), applies datapath.Update (basicFlow,
 * basicStats, tcpStates, tcpWin, pcapd selection) to the shared struct
 * flow_state, copies selected packets to the ring buffer `packets`, and
 * leaves what it did in `results`. Encapsulations it does not parse are
 * punted: counted, copied to userspace, and left to the Go engine.
 * Userspace expires flows; the kernel never deletes one.
 *
 * It always returns XDP_PASS: flowtap monitors, it never filters.
 *
 * Minimum kernel: 5.15 (bpf_link for XDP, ring buffer, returning atomics,
 * xdp_md context in BPF_PROG_RUN). Privileges: CAP_BPF, CAP_NET_ADMIN and
 * CAP_PERFMON (the frame length is a packet-pointer difference).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "types.h" /* shared structs and codes: flow_key, flow_state, pkt_result */
#include "config.h" /* knobs: flow_timeout_ns, force_mode, pd_*, snap_len, use_meta_ts, tcpwin_thres */
#include "parse.h" /* Ethernet/VLAN/IPv4/IPv6/L4 parsing (parse_fast first), punt decisions */
#include "maps.h"  /* flows, frags, counters, results, scratchpads, packets */
#include "keys.h"  /* reverse keys, the opposite direction looked up on first use */
#include "datapath.h" /* per-packet update: basicFlow, basicStats, tcpStates, tcpWin (threshold tcpwin_thres) */
#include "flow.h"  /* lookup/creation, A/B pairing, flowInd, fragment table */
#include "pcapd.h" /* ring buffer copy (knobs snap_len, skip_punt_copy) */

/*
 * packet_time returns the packet's capture time in ns: from the XDP
 * metadata when use_meta_ts is set (struct run_meta, whose orig_len then
 * replaces c->raw; an 8-byte area holds the time only), else the kernel's
 * monotonic clock, which userspace converts to wall time. *whole is
 * cleared when the metadata says the frame is longer than what the
 * program sees.
 */
static __always_inline __u64 packet_time(struct xdp_md *ctx, struct hdr_cursor *c, int *whole)
{
	void *meta = (void *)(long)ctx->data_meta;
	void *data = (void *)(long)ctx->data;
	struct run_meta *rm = meta;
	__u64 *ts = meta;

	if (!use_meta_ts)
		return bpf_ktime_get_ns();
	if ((void *)(rm + 1) <= data) {
		c->raw = rm->orig_len;
		*whole = rm->cap_len == c->cap_len;
		return rm->ts_ns;
	}
	if ((void *)(ts + 1) <= data)
		return *ts;
	count_event(CNT_ERR_NO_META);
	return bpf_ktime_get_ns();
}

/*
 * punt leaves the packet to the Go engine: counted by reason and, unless
 * the caller holds the packet already, copied to the ring. Returns nothing.
 */
static __always_inline void punt(struct xdp_md *ctx, struct scratchpad *s, struct pkt_result *res,
                                 const struct hdr_cursor *c, __u64 ts)
{
	__u32 reason = s->m.punt;

	res->punt = reason;
	if (reason < PUNT_MAX)
		count_event(CNT_PUNT_BASE + reason);
	if (!skip_punt_copy && copy_to_ring(ctx, s, c, ts, 0, reason) == 0) {
		res->copied = 1;
		count_event(CNT_PUNT_COPIED);
	}
}

/*
 * handle_flow resolves and updates the flow of a parsed packet and copies
 * it when pcapd selects it. Returns nothing; res says what happened.
 */
static __always_inline void handle_flow(struct xdp_md *ctx, struct scratchpad *s,
                                        struct pkt_result *res, const struct hdr_cursor *c,
                                        __u64 ts)
{
	struct flow_state *st;
	int is_new = 0, opp;
	__u32 flags;

	st = flow_resolve(s, res, ts, &is_new);
	if (!st) {
		if (s->m.punt)
			punt(ctx, s, res, c, ts);
		return;
	}
	flags = flow_update(st, s, &res->key, ts, is_new);
	opp = (flags & UPD_OPP_FOUND) != 0;
	/*
	 * Only replay reads results: a live packet whose update did not need
	 * the opposite direction leaves res->opp unknown (0).
	 */
	if (use_meta_ts && !(flags & UPD_OPP_LOOKED))
		opp = opp_lookup(&s->rev, &res->key, s->m.l2_flow) != NULL;
	res->flow = 1;
	res->created = is_new;
	res->opp = opp;
	res->flow_ind = st->flow_ind;
	res->tcp_count = (flags & UPD_TCP_COUNT) != 0;
	res->low_win = (flags & UPD_LOW_WIN) != 0;
	res->remove = (flags & UPD_REMOVE) != 0;
	res->dump = (flags & UPD_DUMP) != 0;
	if (!res->dump)
		return;
	count_event(CNT_DUMP_SELECTED);
	if (copy_to_ring(ctx, s, c, ts, st->flow_ind, 0) == 0) {
		res->copied = 1;
		count_event(CNT_DUMP_COPIED);
		count_add(CNT_DUMP_BYTES, s->rec.cap_len);
	}
}

SEC("xdp")
int xdp_flowtap(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct scratchpad *s = bpf_map_lookup_elem(&scratchpads, &zero);
	struct pkt_result *res = bpf_map_lookup_elem(&results, &zero);
	struct hdr_cursor c = {
	    .data = (void *)(long)ctx->data,
	    .data_end = (void *)(long)ctx->data_end,
	};
	int whole = 1;
	__u64 ts;

	count_event(CNT_PACKETS);
	if (!s || !res)
		return XDP_PASS;
	c.cap_len = (__u32)((long)c.data_end - (long)c.data);
	c.raw = c.cap_len;
	ts = packet_time(ctx, &c, &whole);
	__builtin_memset(res, 0, sizeof(*res));
	__builtin_memset(&s->m, 0, sizeof(s->m));
	s->m.cap_len = c.cap_len;
	if (c.cap_len < sizeof(struct ethhdr))
		count_event(CNT_ERR_PARSE_ETH);
	if (non_ether_link)
		s->m.punt = PUNT_LINK;
	else if (c.cap_len > MAX_PKT_OFF || !whole)
		s->m.punt = PUNT_BIG;
	else if (!parse_fast(&c, &s->m))
		flowtap_parse(ctx, &s->m, c.cap_len, c.raw);
	res->pkt_status = s->m.status;
	res->hdr_cnt = s->m.hdr_cnt;
	res->l4_proto = s->m.l4_proto;
	if (s->m.punt) {
		punt(ctx, s, res, &c, ts);
		return XDP_PASS;
	}
	if (s->m.no_flow) {
		res->no_flow = 1;
		count_event(CNT_NO_FLOW);
		return XDP_PASS;
	}
	handle_flow(ctx, s, res, &c, ts);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
