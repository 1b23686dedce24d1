/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * flow.h: finding and creating a packet's flow direction, A/B pairing and
 * flowInd, and T2's fragment table: the kernel twin of
 * userspace/flowtable create.go and frag.go (t2-semantics.md sections 2
 * and 4). Expiry is not here: userspace sweeps the flows map.
 *
 * The kernel keeps no links between directions: the opposite of a flow is
 * found by looking up its reversed key (keys.h). The flow table links
 * a new direction to an existing reverse one at creation and removes
 * both together, so the two are always the same flow.
 */
#ifndef FLOWTAP_FLOW_H
#define FLOWTAP_FLOW_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "types.h"
#include "config.h"
#include "maps.h"
#include "keys.h"
#include "datapath.h"

#ifndef EEXIST
#define EEXIST 17
#endif

/* count_event adds one to counter id on this CPU. Returns nothing. */
static __always_inline void count_event(__u32 id)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &id);

	if (v)
		*v += 1;
}

/* count_add adds n to counter id on this CPU. Returns nothing. */
static __always_inline void count_add(__u32 id, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &id);

	if (v)
		*v += n;
}

/*
 * frag_key writes the fragment-table key of datagram id in flow k: the key
 * with the ports replaced by the ID (T2 shares them in a union; flowtable
 * fragKey). Returns nothing.
 */
static __always_inline void frag_key(struct flow_key *r, const struct flow_key *k, __u32 id)
{
#pragma unroll
	for (int i = 0; i < KEY_WORDS - 1; i++)
		key_put(r, i, key_get(k, i));
	/* word 6: src_port, dst_port, l4_proto (see KEY_WORDS) */
	key_put(r, 6, (key_get(k, 6) & ~0xffffffffULL) | (id & 0xffff) << 16 | id >> 16);
}

/*
 * initiated_by_peer is T2's A/B heuristic for a flow without opposite
 * (flowtable initiatedByPeer): a low source port below the peer's, a
 * source port 8080/8081/8088/8089, or a SYN/ACK. Returns 1 or 0.
 */
static __always_inline int initiated_by_peer(const struct pkt_meta *m)
{
	__u16 sp = m->key.src_port, dp = m->key.dst_port;

	if (sp < 1024 && sp < dp)
		return 1;
	if ((sp & 0xfff6) == 8080)
		return 1;
	return m->l4_proto == PROTO_TCP && m->tcp_valid && (m->tcp_flags & 0x12) == 0x12;
}

/*
 * pair_new_flow gives the new direction s->fresh its flowInd and
 * L3FLOWINVERT bit from its reverse direction, or starts a conversation
 * (flowtable Table.Create). Returns nothing.
 */
static __always_inline void pair_new_flow(struct scratchpad *s)
{
	struct pkt_meta *m = &s->m;
	struct flow_state *ns = &s->fresh, *r;

	reverse_key(&s->rev, &m->key, m->l2_flow);
	if (keys_equal(&s->rev, &m->key)) {
		/* A key equal to its own reverse is a new conversation (LAND). */
		if (m->l4_proto == PROTO_TCP && !m->l2_flow)
			ns->status |= FS_LAND_ATTACK;
		ns->flow_ind = __sync_fetch_and_add(&flow_ind_last, 1) + 1;
		return;
	}
	r = bpf_map_lookup_elem(&flows, &s->rev);
	if (r) {
		ns->flow_ind = r->flow_ind;
		if (!(r->status & FS_INVERT))
			ns->status |= FS_INVERT;
		return;
	}
	ns->flow_ind = __sync_fetch_and_add(&flow_ind_last, 1) + 1;
	if (!m->l2_flow && initiated_by_peer(m))
		ns->status |= FS_INVERT;
}

/*
 * flow_create inserts a new flow direction for packet m, captured at ts.
 * Returns its state with *is_new set; the existing state when another CPU
 * inserted the key first (its flowInd stays unused, counted); NULL when
 * the map is full: m->punt is then PUNT_FLOW_FULL and res->flow_ind holds
 * the flowInd reserved for the flow, for the Go engine to use.
 */
static __always_inline struct flow_state *flow_create(struct scratchpad *s, struct pkt_result *res,
                                                      __u64 ts, int *is_new)
{
	struct pkt_meta *m = &s->m;
	long err;

	init_flow(&s->fresh, m, ts);
	pair_new_flow(s);
	err = bpf_map_update_elem(&flows, &m->key, &s->fresh, BPF_NOEXIST);
	if (err == -EEXIST) {
		count_event(CNT_FLOW_RACE);
		return bpf_map_lookup_elem(&flows, &m->key);
	}
	if (err) {
		count_event(CNT_ERR_FLOW_FULL);
		m->punt = PUNT_FLOW_FULL;
		res->flow_ind = s->fresh.flow_ind;
		return NULL;
	}
	count_event(CNT_FLOWS_CREATED);
	*is_new = 1;
	return bpf_map_lookup_elem(&flows, &m->key);
}

/*
 * frag_owner finds the flow owning the datagram of a non-first fragment
 * (flowtable LookupFragment); the last fragment (MF clear) ends the
 * datagram. Returns the owner's state with its key in res->key, or NULL
 * when the first fragment was not seen.
 */
static __always_inline struct flow_state *frag_owner(struct scratchpad *s, struct pkt_result *res)
{
	struct pkt_meta *m = &s->m;
	struct flow_key *owner;
	struct flow_state *st;

	frag_key(&s->frag, &m->key, m->frag_id);
	owner = bpf_map_lookup_elem(&frags, &s->frag);
	if (!owner)
		return NULL;
	key_copy(&res->key, owner);
	st = bpf_map_lookup_elem(&flows, &res->key);
	if (!st) {
		/* Userspace removed the owner without its entry: treat as headless. */
		bpf_map_delete_elem(&frags, &s->frag);
		count_event(CNT_FRAG_STALE);
		return NULL;
	}
	m->via_frag = 1;
	if (!m->frag_more) {
		bpf_map_delete_elem(&frags, &s->frag);
		status_clear(st, FS_FRAG_PENDING);
	}
	return st;
}

/*
 * track_frags applies T2's fragment bookkeeping to flow st (key res->key)
 * after lookup or creation (flowtable TrackFragments): a first fragment,
 * or a fragment whose head was missing, registers the datagram and marks
 * the flow pending; any other packet of a pending flow is a fragmentation
 * error. Returns nothing.
 */
static __always_inline void track_frags(struct scratchpad *s, struct flow_state *st,
                                        struct pkt_result *res, int headless)
{
	struct pkt_meta *m = &s->m;
	struct flow_key *owner;
	struct flow_state *o;

	if (!m->frag_first && !headless) {
		if (st->status & FS_FRAG_PENDING)
			status_set(st, FS_FRAG_ERR);
		return;
	}
	if (headless)
		status_set(st, FS_FRAG_HDSEQ_ERR);
	status_set(st, FS_FRAG);
	frag_key(&s->frag, &res->key, m->frag_id);
	if (st->status & FS_FRAG_PENDING) {
		frag_key(&s->frag_old, &res->key, st->frag_id);
		if (!bpf_map_lookup_elem(&frags, &s->frag_old) || st->frag_id != m->frag_id)
			status_set(st, FS_FRAG_ERR);
		bpf_map_delete_elem(&frags, &s->frag_old);
	} else {
		/* Another flow held the same datagram key: it loses the datagram. */
		owner = bpf_map_lookup_elem(&frags, &s->frag);
		if (owner) {
			o = bpf_map_lookup_elem(&flows, owner);
			if (o)
				status_clear(o, FS_FRAG_PENDING);
		}
	}
	if (bpf_map_update_elem(&frags, &s->frag, &res->key, BPF_ANY))
		count_event(CNT_ERR_FRAG_FULL);
	st->frag_id = m->frag_id;
	status_set(st, FS_FRAG_PENDING);
}

/*
 * flow_resolve finds or creates the flow of the parsed packet s->m, in the
 * engine's order (engine resolve): fragment table for non-first
 * fragments, lookup, creation, fragment bookkeeping. Returns the flow's
 * state, its key in res->key, *is_new for a new flow; NULL when the flow
 * could not be created (m->punt set).
 */
static __always_inline struct flow_state *flow_resolve(struct scratchpad *s, struct pkt_result *res,
                                                       __u64 ts, int *is_new)
{
	struct pkt_meta *m = &s->m;
	struct flow_state *st;
	int headless = 0;

	if (m->frag_later) {
		st = frag_owner(s, res);
		if (st) {
			res->via_frag = 1;
			return st;
		}
		headless = 1;
		res->headless = 1;
		count_event(CNT_FRAG_HEAD_MISSING);
	}
	key_copy(&res->key, &m->key);
	st = bpf_map_lookup_elem(&flows, &m->key);
	if (!st)
		st = flow_create(s, res, ts, is_new);
	if (!st)
		return NULL;
	if (!m->l2_flow)
		track_frags(s, st, res, headless);
	return st;
}

#endif /* FLOWTAP_FLOW_H */
