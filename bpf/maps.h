/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * maps.h: every map of the XDP program. max_entries are small defaults;
 * userspace/loader sizes flows, frags and packets before load.
 */
#ifndef FLOWTAP_MAPS_H
#define FLOWTAP_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "types.h"
#include "parse.h"

#ifndef MAX_SNAP
#define MAX_SNAP 4096 /* bytes of a frame copied to the ring (power of two) */
#endif

/* error, loss and event counters, keyed by enum counter_id */
enum counter_id {
	CNT_PACKETS = 0,       /* packets seen by the program */
	CNT_ERR_PARSE_ETH,     /* frame shorter than an Ethernet header */
	CNT_ERR_FLOW_FULL,     /* flow insert failed (map full): punted */
	CNT_ERR_RB_RESERVE,    /* ring buffer output failed: packet lost */
	CNT_NO_FLOW,           /* packets that belong to no flow (T2 too) */
	CNT_FLOWS_CREATED,     /* flow directions inserted */
	CNT_FLOW_RACE,         /* insert lost to another CPU (flowInd skipped) */
	CNT_FRAG_HEAD_MISSING, /* later fragments without their first fragment */
	CNT_ERR_FRAG_FULL,     /* fragment-table insert failed */
	CNT_FRAG_STALE,        /* fragment-table entry whose owner flow is gone */
	CNT_DUMP_SELECTED,     /* packets pcapd selected (= copied + dropped) */
	CNT_DUMP_COPIED,       /* selected packets written to the ring */
	CNT_DUMP_BYTES,        /* bytes of those packets written */
	CNT_PUNT_COPIED,       /* punted packets written to the ring */
	CNT_SNAP_CUT,          /* copies shorter than their frame */
	CNT_ERR_NO_META,       /* use_meta_ts set but no metadata: kernel time used */
	CNT_PUNT_BASE,         /* + enum punt_reason: punted packets per reason */
	CNT_MAX = CNT_PUNT_BASE + PUNT_MAX,
};

/*
 * Per-CPU working memory of one packet: the parse result, a new flow's
 * state and the derived keys are too big for the 512-byte stack.
 */
struct scratchpad {
	struct pkt_meta m;        /* parse result */
	struct flow_state fresh;  /* a new flow before insertion */
	struct flow_key rev;      /* reverse key of the flow */
	struct flow_key frag;     /* fragment-table key of the packet */
	struct flow_key frag_old; /* fragment-table key of the pending datagram */
	struct pkt_record rec;    /* ring record: header, then the bytes */
	__u8 bytes[MAX_SNAP];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct flow_key);     /* directional T2 flow key */
	__type(value, struct flow_state); /* per-direction state */
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct flow_key);   /* flow key, ports replaced by the fragment ID */
	__type(value, struct flow_key); /* key of the flow that owns the datagram */
} frags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CNT_MAX);
	__type(key, enum counter_id); /* counter (4 bytes) */
	__type(value, __u64);         /* events on this CPU */
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);               /* 0 */
	__type(value, struct pkt_result); /* what the last packet on this CPU did */
} results SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);               /* 0 */
	__type(value, struct scratchpad); /* this CPU's working memory */
} scratchpads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024); /* bytes: struct pkt_record + frame bytes per record */
} packets SEC(".maps");

#endif /* FLOWTAP_MAPS_H */
