/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * tcpstates.h: T2's per-direction TCP state machine (tcpStates plugin,
 * t2-semantics.md section 7.3), the twin of userspace/datapath
 * tcpstates.go. opp, the opposite direction, may be NULL; tcp_states
 * looks it up only for the transitions that read or write it. The machine
 * writes both directions without atomics: when the two directions of one
 * connection are processed on two CPUs at the same instant, the result is
 * that of one of the two orders, not a blend guaranteed to match T2.
 */
#ifndef FLOWTAP_TCPSTATES_H
#define FLOWTAP_TCPSTATES_H

#include "types.h"
#include "parse.h"
#include "keys.h"

#define TCP_FIN  0x01
#define TCP_SYN  0x02
#define TCP_RST  0x04
#define TCP_ACK  0x10
#define TCP_ALL  0x3f
#define TCP_ARSF (TCP_ACK | TCP_RST | TCP_SYN | TCP_FIN)

/* tcpStates timeouts in ns (T2 tcpStates.h; datapath Timeout*). */
#define TIMEOUT_RESET       100000000ULL
#define TIMEOUT_NEW         120000000000ULL
#define TIMEOUT_ESTABLISHED 610000000000ULL
#define TIMEOUT_CLOSING     120000000000ULL
#define TIMEOUT_CLOSED      10000000000ULL

/* set_state moves st to state s with its timeout. Returns nothing. */
static __always_inline void set_state(struct flow_state *st, __u8 s, __u64 timeout)
{
	st->tcp_state = s;
	st->timeout_ns = timeout;
}

/* ack_fin marks the opposite's FIN acknowledged when m acks it. Returns nothing. */
static __always_inline void ack_fin(struct flow_state *opp, const struct pkt_meta *m)
{
	if (opp && (opp->tcp_bits & TCP_BIT_FIN_SEEN) && m->tcp_ack == opp->fin_seq + 1)
		opp->tcp_bits |= TCP_BIT_FIN_ACKD;
}

/* reset_teardown handles an RST after the handshake. Returns nothing. */
static __always_inline void reset_teardown(struct flow_state *st, struct flow_state *opp)
{
	set_state(st, TCP_STATE_RESET, TIMEOUT_RESET);
	st->tcp_anomaly |= TCP_A_RST_TRANS | TCP_A_MAL_TEARDWN;
	if (opp) {
		set_state(opp, TCP_STATE_RESET, TIMEOUT_RESET);
		opp->tcp_anomaly |= TCP_A_MAL_TEARDWN;
	}
}

/*
 * mal_established moves both sides to ESTABLISHED with a malformed
 * connection establishment. Returns nothing.
 */
static __always_inline void mal_established(struct flow_state *st, struct flow_state *opp)
{
	set_state(st, TCP_STATE_ESTABLISHED, TIMEOUT_ESTABLISHED);
	st->tcp_anomaly |= TCP_A_MAL_CON_EST;
	if (opp) {
		set_state(opp, TCP_STATE_ESTABLISHED, TIMEOUT_ESTABLISHED);
		opp->tcp_anomaly |= TCP_A_MAL_CON_EST;
	}
}

/* tcp_syn handles a SYN (no FIN, no RST) of a direction in state NEW. Returns nothing. */
static __always_inline void tcp_syn(struct flow_state *st, struct flow_state *opp,
                                    const struct pkt_meta *m)
{
	st->tcp_bits |= TCP_BIT_SYN_SEEN;
	st->syn_seq = m->tcp_seq;
	st->timeout_ns = TIMEOUT_NEW;
	if (!(m->tcp_flags & TCP_ACK))
		return;
	if (!opp) {
		set_state(st, TCP_STATE_ESTABLISHED, TIMEOUT_ESTABLISHED);
		st->tcp_anomaly |= TCP_A_MAL_CON_EST;
	} else if (m->tcp_ack == opp->syn_seq + 1) {
		opp->tcp_bits |= TCP_BIT_SYN_ACKD;
	} else {
		mal_established(st, opp);
	}
}

/* tcp_new handles a packet of a direction still in state NEW (datapath tcpNew). Returns nothing. */
static __always_inline void tcp_new(struct flow_state *st, struct flow_state *opp,
                                    const struct pkt_meta *m)
{
	__u8 f = m->tcp_flags;

	if ((f & (TCP_SYN | TCP_FIN | TCP_RST)) == TCP_SYN) {
		tcp_syn(st, opp, m);
	} else if (opp && (f & TCP_ARSF) == TCP_ACK) {
		if (m->tcp_ack != opp->syn_seq + 1) {
			mal_established(st, opp);
			return;
		}
		opp->tcp_bits |= TCP_BIT_SYN_ACKD;
		if (st->tcp_bits & TCP_BIT_SYN_ACKD) {
			set_state(st, TCP_STATE_ESTABLISHED, TIMEOUT_ESTABLISHED);
			set_state(opp, TCP_STATE_ESTABLISHED, TIMEOUT_ESTABLISHED);
		}
	} else if (opp && (f & TCP_ARSF) == (TCP_RST | TCP_ACK)) {
		set_state(st, TCP_STATE_RESET, TIMEOUT_RESET);
		st->tcp_anomaly |= TCP_A_RST_TRANS;
		set_state(opp, TCP_STATE_RESET, TIMEOUT_RESET);
	} else if (f & TCP_RST) {
		st->tcp_anomaly |= TCP_A_RST_TRANS | TCP_A_MAL_CON_EST;
		set_state(st, TCP_STATE_RESET, TIMEOUT_RESET);
		if (opp) {
			opp->tcp_anomaly |= TCP_A_MAL_CON_EST;
			set_state(opp, TCP_STATE_RESET, TIMEOUT_RESET);
		} else {
			st->tcp_anomaly |= TCP_A_EVIL;
		}
	} else if ((f & TCP_ARSF) == (TCP_FIN | TCP_ACK)) {
		st->tcp_bits |= TCP_BIT_FIN_SEEN;
		st->fin_seq = m->tcp_seq;
		st->tcp_anomaly |= TCP_A_MAL_CON_EST;
		set_state(st, TCP_STATE_CLOSING, TIMEOUT_CLOSING);
		if (opp) {
			opp->tcp_anomaly |= TCP_A_MAL_CON_EST;
			ack_fin(opp, m);
		} else {
			st->tcp_bits |= TCP_BIT_FIN_SCAN;
		}
	} else if ((f & TCP_ARSF) == TCP_FIN) {
		st->tcp_anomaly |= TCP_A_EVIL;
	} else {
		mal_established(st, opp);
	}
}

/* tcp_established handles a packet in state ESTABLISHED. Returns nothing. */
static __always_inline void tcp_established(struct flow_state *st, struct flow_state *opp,
                                            const struct pkt_meta *m)
{
	__u8 f = m->tcp_flags;

	if ((f & (TCP_SYN | TCP_ACK)) != TCP_ACK) {
		st->tcp_anomaly |= TCP_A_MAL_FLGS_EST;
		if (opp)
			opp->tcp_anomaly |= TCP_A_MAL_FLGS_EST;
	}
	if (f & TCP_FIN) {
		st->tcp_bits |= TCP_BIT_FIN_SEEN;
		st->fin_seq = m->tcp_seq;
		set_state(st, TCP_STATE_CLOSING, TIMEOUT_CLOSING);
		if (f & TCP_ACK)
			ack_fin(opp, m);
	}
	if (f & TCP_RST)
		reset_teardown(st, opp);
}

/*
 * uses_opp reports whether the transition of a direction in state with
 * flags f reads or writes the opposite direction: everything in NEW and
 * CLOSING; in ESTABLISHED anything but a plain ACK without FIN and RST;
 * in CLOSED an RST. Returns 1 or 0.
 */
static __always_inline int uses_opp(__u8 state, __u8 f)
{
	switch (state) {
	case TCP_STATE_NEW:
	case TCP_STATE_CLOSING:
		return 1;
	case TCP_STATE_ESTABLISHED:
		return (f & (TCP_SYN | TCP_ACK)) != TCP_ACK || (f & (TCP_FIN | TCP_RST));
	case TCP_STATE_CLOSED:
		return (f & TCP_RST) != 0;
	}
	return 0;
}

/*
 * tcp_states runs the state machine for a first fragment with at least 14
 * captured bytes of TCP header (m->tcp_valid); o resolves the opposite
 * direction when the transition needs it (uses_opp). Returns nothing.
 */
static __always_inline void tcp_states(struct flow_state *st, struct opp_ref *o,
                                       const struct pkt_meta *m)
{
	const __u8 done = TCP_BIT_FIN_SEEN | TCP_BIT_FIN_ACKD;
	__u8 f = m->tcp_flags, state = st->tcp_state;
	struct flow_state *opp = NULL;

	if ((f & TCP_ALL) == TCP_ALL || (f & TCP_ALL) == 0) /* XMAS or NULL scan */
		st->tcp_anomaly |= TCP_A_EVIL;
	if (uses_opp(state, f))
		opp = opp_get(o);
	switch (state) {
	case TCP_STATE_NEW:
		tcp_new(st, opp, m);
		break;
	case TCP_STATE_ESTABLISHED:
		tcp_established(st, opp, m);
		break;
	case TCP_STATE_CLOSING:
		if (f & TCP_RST)
			reset_teardown(st, opp);
		if (f & TCP_ACK)
			ack_fin(opp, m);
		if (opp && (st->tcp_bits & done) == done && (opp->tcp_bits & done) == done) {
			set_state(st, TCP_STATE_CLOSED, TIMEOUT_CLOSED);
			set_state(opp, TCP_STATE_CLOSED, TIMEOUT_CLOSED);
		}
		break;
	case TCP_STATE_CLOSED:
		st->tcp_anomaly |= TCP_A_PKTS_TERM;
		if (f & TCP_RST)
			reset_teardown(st, opp);
		break;
	case TCP_STATE_RESET:
		st->tcp_anomaly |= TCP_A_PKTS_RST;
		break;
	}
}

#endif /* FLOWTAP_TCPSTATES_H */
