/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* maps.h: every map of the XDP program. Userspace resizes before load. */
#ifndef FLOWTAP_MAPS_H
#define FLOWTAP_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "types.h"

/* error and loss counters, keyed by enum counter_id */
enum counter_id {
	CNT_PACKETS = 0,     /* packets seen by the program */
	CNT_ERR_PARSE_ETH,   /* frame shorter than an Ethernet header */
	CNT_ERR_FLOW_FULL,   /* flow insert failed (map full) */
	CNT_ERR_RB_RESERVE,  /* ring buffer reserve failed */
	CNT_MAX,
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct flow_key);     /* directional T2 flow key */
	__type(value, struct flow_state); /* per-direction state */
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CNT_MAX);
	__type(key, __u32);   /* enum counter_id */
	__type(value, __u64); /* events on this CPU */
} counters SEC(".maps");

#endif /* FLOWTAP_MAPS_H */
