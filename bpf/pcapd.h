/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * pcapd.h: copying a packet to userspace over the ring buffer `packets`,
 * for pcapd extraction (reason 0) and for punted packets (knob
 * skip_punt_copy off).
 *
 * Copy path (house-style 9.2, option b): the frame is copied into this
 * CPU's scratchpad behind its struct pkt_record, then written with
 * bpf_ringbuf_output at its exact length. Why: bpf_xdp_load_bytes needs
 * 5.18 and flowtap's floor is 5.15; a fixed header + MAX_SNAP reservation
 * would waste the ring on small frames; the extra copy is paid by alarm
 * flows only. The frame is copied 8 bytes at a time with direct packet
 * access in a loop bounded by MAX_SNAP.
 */
#ifndef FLOWTAP_PCAPD_H
#define FLOWTAP_PCAPD_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "types.h"
#include "config.h"
#include "maps.h"
#include "parse.h"
#include "flow.h"

/*
 * copy_frame copies the first want (<= MAX_SNAP, <= captured) bytes of
 * the frame into s->bytes: whole 8-byte words, then the last 8 bytes once
 * more (overlapping) for the tail, so that every exit of the word loop
 * leads to the same code and the verifier checks the tail once; frames
 * under 8 bytes go byte by byte. Returns want, or 0 when the frame is
 * shorter than want (cannot happen for want <= captured).
 */
static __always_inline __u32 copy_frame(struct scratchpad *s, const struct hdr_cursor *c,
                                        __u32 want)
{
	/*
	 * The loop tests the word count, not want: a test on want would narrow
	 * its range differently at each exit, and the verifier would check the
	 * rest of the copy once per exit.
	 */
	__u32 words = want / 8;
	__u8 *p;

	if (want > MAX_SNAP)
		return 0;
	for (__u32 i = 0; i < MAX_SNAP / 8; i++) {
		__u32 off = i * 8;

		if (i >= words)
			break;
		p = (__u8 *)c->data + off;
		if (p + 8 > (__u8 *)c->data_end)
			return 0;
		*(__u64 *)&s->bytes[off] = *(__u64 *)p;
	}
	if (want >= 8) {
		__u32 off = want - 8;

		barrier_var(off);
		off &= MAX_SNAP - 1;
		p = (__u8 *)c->data + off;
		if (p + 8 > (__u8 *)c->data_end)
			return 0;
		*(__u64 *)&s->bytes[off] = *(__u64 *)p;
		return want;
	}
	for (__u32 j = 0; j < 8; j++) {
		if (j >= want)
			break;
		p = (__u8 *)c->data + j;
		if (p + 1 > (__u8 *)c->data_end)
			return 0;
		s->bytes[j] = *p;
	}
	return want;
}

/*
 * copy_packet writes the frame, cut to the snap length, to the ring
 * buffer behind s->rec, whose ts_ns, flow_ind, orig_len and reason the
 * caller has set. Returns 0 when written, -1 when the ring had no room
 * (counted in CNT_ERR_RB_RESERVE: the packet is lost to userspace).
 */
static __always_inline int copy_packet(struct scratchpad *s, const struct hdr_cursor *c)
{
	__u32 want = c->cap_len, limit = snap_len && snap_len < MAX_SNAP ? snap_len : MAX_SNAP, n;

	if (want > limit) {
		want = limit;
		count_event(CNT_SNAP_CUT);
	}
	n = copy_frame(s, c, want);
	if (n > MAX_SNAP || (n == 0 && want != 0))
		return -1; /* cannot happen; the first test tells the verifier the record fits */
	s->rec.cap_len = n;
	s->rec.pad = 0;
	if (bpf_ringbuf_output(&packets, &s->rec, sizeof(s->rec) + n, 0)) {
		count_event(CNT_ERR_RB_RESERVE);
		return -1;
	}
	return 0;
}

/*
 * flowtap_copy is copy_packet as a verification unit (see flowtap_ipv4):
 * its copy loop is verified once, not on every path that copies. Returns
 * 0 when written, -1 otherwise.
 */
__noinline int flowtap_copy(struct xdp_md *ctx, struct scratchpad *s)
{
	struct hdr_cursor c = {
	    .data = (void *)(long)ctx->data,
	    .data_end = (void *)(long)ctx->data_end,
	};

	if (!s)
		return -1;
	c.cap_len = (__u32)((long)c.data_end - (long)c.data);
	return copy_packet(s, &c);
}

/*
 * copy_to_ring fills the record header and copies the packet. Returns 0
 * when written, -1 otherwise.
 */
static __always_inline int copy_to_ring(struct xdp_md *ctx, struct scratchpad *s,
                                        const struct hdr_cursor *c, __u64 ts, __u64 flow_ind,
                                        __u32 reason)
{
	s->rec.ts_ns = ts;
	s->rec.flow_ind = flow_ind;
	s->rec.orig_len = c->raw;
	s->rec.reason = reason;
	return flowtap_copy(ctx, s);
}

#endif /* FLOWTAP_PCAPD_H */
