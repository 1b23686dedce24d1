/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * config.h: the program's knobs, set by userspace/loader.
 *
 * Load-time knobs are volatile const (.rodata): the loader rewrites them
 * before load and the verifier prunes the branches they switch off. The
 * volatile keeps clang from folding the defaults. Defaults are T2's
 * (t2-semantics.md), so an object loaded without changes behaves like
 * `t2` with its default configuration.
 *
 * tcpwin_thres lives in .data instead: userspace changes it at run time,
 * without reloading, through the mmapped data section.
 */
#ifndef FLOWTAP_CONFIG_H
#define FLOWTAP_CONFIG_H

#include <linux/types.h>

/* FLOW_TIMEOUT in ns, copied into each new flow; default 182 s (--flow-timeout) */
volatile const __u64 flow_timeout_ns = 182000000000ULL;

/* FORCE_MODE: flag a flow for removal at its second low-window packet; default 0 (--force-mode) */
volatile const __u8 force_mode = 0;

/* PD_OPP: pcapd also selects the opposite direction; default 0 (--pd-opp) */
volatile const __u8 pd_opp = 0;

/* PD_EQ: pcapd selects flows with FL_ALARM (1) or without (0); default 1 (--pd-eq) */
volatile const __u8 pd_eq = 1;

/*
 * Bytes of a selected packet copied to the ring buffer; default 0, the
 * whole frame up to MAX_SNAP (--snap-len).
 */
volatile const __u32 snap_len = 0;

/*
 * 1: take the capture time (and wire length) from the XDP metadata, as
 * BPF_PROG_RUN replay passes them (struct run_meta); default 0, live:
 * bpf_ktime_get_ns() (set by the loader for --engine bpf).
 */
volatile const __u8 use_meta_ts = 0;

/*
 * 1: do not copy punted packets to the ring buffer, because the caller
 * already holds them (BPF_PROG_RUN replay); default 0, live: punted
 * packets reach userspace only through the ring.
 */
volatile const __u8 skip_punt_copy = 0;

/*
 * 1: the frames are not Ethernet (raw IP device): every packet is punted
 * with PUNT_LINK; default 0 (set by the loader from the link type).
 */
volatile const __u8 non_ether_link = 0;

/*
 * TCPWIN_THRES: a TCP packet counts when its raw window is below this;
 * default 1 (--tcpwin-thres). Read once per packet, so a change applies
 * from the next packet on.
 */
__u32 tcpwin_thres = 1;

/* Last flowInd handed out; flowInd = ++flow_ind_last for each new conversation. */
__u64 flow_ind_last = 0;

#endif /* FLOWTAP_CONFIG_H */
