/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * keys.h: flow keys and the opposite direction. The kernel keeps no links
 * between directions: the opposite of a flow is the entry of its reversed
 * key, looked up on the first use within a packet (struct opp_ref),
 * because most packets never need it and the lookup is one of the costly
 * steps of the program. Must not create or change flows.
 */
#ifndef FLOWTAP_KEYS_H
#define FLOWTAP_KEYS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "types.h"
#include "parse.h"
#include "maps.h"

_Static_assert(__builtin_offsetof(struct scratchpad, rev) % 8 == 0, "rev key aligned");
_Static_assert(__builtin_offsetof(struct scratchpad, frag) % 8 == 0, "frag key aligned");
_Static_assert(__builtin_offsetof(struct scratchpad, frag_old) % 8 == 0, "frag_old key aligned");

/* key_copy copies a flow key by words (see KEY_WORDS). Returns nothing. */
static __always_inline void key_copy(struct flow_key *dst, const struct flow_key *src)
{
#pragma unroll
	for (int i = 0; i < KEY_WORDS; i++)
		key_put(dst, i, key_get(src, i));
}

/* keys_equal returns 1 when a and b are the same key, else 0. */
static __always_inline int keys_equal(const struct flow_key *a, const struct flow_key *b)
{
#pragma unroll
	for (int i = 0; i < KEY_WORDS; i++)
		if (key_get(a, i) != key_get(b, i))
			return 0;
	return 1;
}

/*
 * reverse_key writes k with its endpoints swapped into r: IPs and ports,
 * and the MACs of an L2 flow (flowtable reverseKey). r and k are distinct.
 * Returns nothing.
 */
static __always_inline void reverse_key(struct flow_key *r, const struct flow_key *k, int l2)
{
	__u64 w6 = key_get(k, 6);

	key_put(r, 0, key_get(k, 2)); /* src_ip <- dst_ip */
	key_put(r, 1, key_get(k, 3));
	key_put(r, 2, key_get(k, 0)); /* dst_ip <- src_ip */
	key_put(r, 3, key_get(k, 1));
	key_put(r, 4, key_get(k, 4));
	key_put(r, 5, key_get(k, 5));
	/* the two ports are the low two halfwords of word 6 */
	key_put(r, 6, (w6 & ~0xffffffffULL) | (w6 & 0xffff) << 16 | (w6 >> 16 & 0xffff));
	if (l2) {
		copy6(r->eth_src, k->eth_dst);
		copy6(r->eth_dst, k->eth_src);
	}
}

/*
 * opp_lookup returns the opposite direction of the flow with key k (the
 * reversed key is built in *rev), or NULL when it does not exist or k is
 * its own reverse (LAND).
 */
static __always_inline struct flow_state *opp_lookup(struct flow_key *rev, const struct flow_key *k,
                                                     int l2)
{
	reverse_key(rev, k, l2);
	if (keys_equal(rev, k))
		return NULL;
	return bpf_map_lookup_elem(&flows, rev);
}

/*
 * The opposite direction of the flow being updated, resolved on first
 * use: rev is scratch space for the reversed key of key.
 */
struct opp_ref {
	struct flow_state *p; /* valid once done */
	struct flow_key *rev;
	const struct flow_key *key;
	int l2;
	int done;
};

/* opp_get returns the opposite direction or NULL, looking it up once. */
static __always_inline struct flow_state *opp_get(struct opp_ref *o)
{
	if (!o->done) {
		o->p = opp_lookup(o->rev, o->key, o->l2);
		o->done = 1;
	}
	return o->p;
}

#endif /* FLOWTAP_KEYS_H */
