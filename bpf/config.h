/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* config.h: load-time knobs, set by userspace (userspace/loader) before load. */
#ifndef FLOWTAP_CONFIG_H
#define FLOWTAP_CONFIG_H

#include <linux/types.h>

/* TCPWIN_THRES: a TCP packet counts when its raw window is below this; default 1 (set by --tcpwin-thres) */
volatile const __u32 tcpwin_thres = 1;

#endif /* FLOWTAP_CONFIG_H */
