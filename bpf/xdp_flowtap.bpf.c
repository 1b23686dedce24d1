// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * xdp_flowtap: flowtap's XDP tap.
 *
 * Attaches at XDP (native or generic) on a receiving interface and always
 * returns XDP_PASS: flowtap monitors, it never filters.
 *
 * This compilation unit is the kernel twin of userspace/datapath. At this
 * stage it declares the shared per-flow state (types.h) and the maps, and
 * counts packets; the per-packet flow update, tcpWin and pcapd selection
 * arrive with the live engine (issue "flowtap live").
 *
 * Minimum kernel: 5.15 (bpf_link for XDP, ring buffer, xdp_md context in
 * BPF_PROG_RUN).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "types.h"  /* shared per-flow state: flow_key, flow_state */
#include "config.h" /* load-time knobs: tcpwin_thres */
#include "maps.h"   /* flows, counters */

/*
 * count_event adds one to counter id on this CPU.
 * Returns nothing; a missing slot (impossible for id < CNT_MAX) is ignored.
 */
static __always_inline void count_event(__u32 id)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &id);

	if (v)
		*v += 1;
}

SEC("xdp")
int xdp_flowtap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	count_event(CNT_PACKETS);
	if (data + 14 > data_end)
		count_event(CNT_ERR_PARSE_ETH);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
