/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * var128.h: unsigned 128-bit arithmetic for the running variances, the
 * twin of userspace/datapath var128.go. BPF has neither floats nor a
 * 64x64->128 multiply nor a 128-bit divide, so a value is two __u64, the
 * product is built from 32-bit halves and the division is Knuth's
 * algorithm D on 32-bit digits (the one Go's math/bits.Div64 uses), whose
 * two correction loops are bounded by MAX_DIV_FIX, with a shortcut for
 * the divisors below 2^32 that packet counts are.
 */
#ifndef FLOWTAP_VAR128_H
#define FLOWTAP_VAR128_H

#include <linux/types.h>

#ifndef MAX_DIV_FIX
#define MAX_DIV_FIX 2 /* corrections of a quotient digit (Knuth: at most 2) */
#endif

/* Fixed-point shifts of the running estimators (datapath sizeShift, iatShift). */
#define SIZE_SHIFT 24 /* sizes: m in bytes << 24, var in bytes^2 << 48 */
#define IAT_SHIFT  8  /* IATs: m in ns << 8, var in ns^2 << 16 */

struct u128 {
	__u64 hi;
	__u64 lo;
};

/* u128_mul returns the full product a * b (math/bits.Mul64). */
static __always_inline struct u128 u128_mul(__u64 a, __u64 b)
{
	__u64 a0 = a & 0xffffffff, a1 = a >> 32;
	__u64 b0 = b & 0xffffffff, b1 = b >> 32;
	__u64 w0 = a0 * b0;
	__u64 t = a1 * b0 + (w0 >> 32);
	__u64 w1 = (t & 0xffffffff) + a0 * b1;
	struct u128 r = {.hi = a1 * b1 + (t >> 32) + (w1 >> 32), .lo = a * b};

	return r;
}

/* u128_less returns 1 when a < b, else 0. */
static __always_inline int u128_less(struct u128 a, struct u128 b)
{
	return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo);
}

/* u128_add returns a + b modulo 2^128. */
static __always_inline struct u128 u128_add(struct u128 a, struct u128 b)
{
	struct u128 r = {.hi = a.hi + b.hi, .lo = a.lo + b.lo};

	r.hi += r.lo < a.lo;
	return r;
}

/* u128_sub returns a - b modulo 2^128. */
static __always_inline struct u128 u128_sub(struct u128 a, struct u128 b)
{
	struct u128 r = {.hi = a.hi - b.hi, .lo = a.lo - b.lo};

	r.hi -= a.lo < b.lo;
	return r;
}

/* nlz64 returns the number of leading zero bits of x (64 for 0). */
static __always_inline __u32 nlz64(__u64 x)
{
	__u32 n = 0;

	if (x == 0)
		return 64;
	if (!(x >> 32)) {
		n += 32;
		x <<= 32;
	}
	if (!(x >> 48)) {
		n += 16;
		x <<= 16;
	}
	if (!(x >> 56)) {
		n += 8;
		x <<= 8;
	}
	if (!(x >> 60)) {
		n += 4;
		x <<= 4;
	}
	if (!(x >> 62)) {
		n += 2;
		x <<= 2;
	}
	if (!(x >> 63))
		n += 1;
	return n;
}

/*
 * div_digit fixes an estimated quotient digit q (remainder rhat) against
 * the low divisor digit vn0 and the next dividend digit un, Knuth step D3.
 * Returns the corrected digit.
 */
static __always_inline __u64 div_digit(__u64 q, __u64 rhat, __u64 vn1, __u64 vn0, __u64 un)
{
	const __u64 b = 1ULL << 32;

	for (int i = 0; i < MAX_DIV_FIX; i++) {
		if (q < b && q * vn0 <= b * rhat + un)
			break;
		q--;
		rhat += vn1;
		if (rhat >= b)
			break;
	}
	return q;
}

/*
 * div128_64 returns the quotient of (u1:u0) / v for u1 < v, v != 0
 * (math/bits.Div64 without the remainder).
 */
static __always_inline __u64 div128_64(__u64 u1, __u64 u0, __u64 v)
{
	const __u64 b = 1ULL << 32;
	__u32 s = nlz64(v);
	__u64 vn1, vn0, un32, un10, un1, un0, q1, q0, un21;

	v <<= s;
	vn1 = v >> 32;
	vn0 = v & 0xffffffff;
	un32 = s ? u1 << s | u0 >> (64 - s) : u1;
	un10 = u0 << s;
	un1 = un10 >> 32;
	un0 = un10 & 0xffffffff;
	q1 = un32 / vn1;
	q1 = div_digit(q1, un32 - q1 * vn1, vn1, vn0, un1);
	un21 = un32 * b + un1 - q1 * v;
	q0 = un21 / vn1;
	q0 = div_digit(q0, un21 - q0 * vn1, vn1, vn0, un0);
	return q1 * b + q0;
}

/*
 * u128_div returns a / n, truncated, for n > 0. n is a packet count, so
 * below 2^32 in practice: the quotient is then long division on 32-bit
 * digits with native 64-bit divisions (each partial dividend, remainder
 * < n followed by one digit, fits 64 bits), and a single division when
 * a.hi is 0. Both give exactly Knuth's quotient, which stays for larger n.
 */
static __always_inline struct u128 u128_div(struct u128 a, __u64 n)
{
	struct u128 q = {.hi = 0};
	__u64 r, t;

	if (a.hi == 0) {
		/* Equal sizes or IATs make a zero numerator: no division for those. */
		q.lo = a.lo < n ? 0 : a.lo / n;
		return q;
	}
	q.hi = a.hi / n;
	r = a.hi % n;
	if (n >> 32) {
		q.lo = div128_64(r, a.lo, n);
		return q;
	}
	t = r << 32 | a.lo >> 32;
	q.lo = t / n << 32;
	t = (t % n) << 32 | (a.lo & 0xffffffff);
	q.lo |= t / n;
	return q;
}

/*
 * running_var applies T2's recurrence var += (m*m - var) / n to the 128-bit
 * accumulator (*hi, *lo), m_abs being |m| in its fixed point (datapath
 * runningVar). Returns nothing. Not atomic: best effort when one flow is
 * updated on several CPUs at once.
 */
static __always_inline void running_var(__u64 *hi, __u64 *lo, __u64 m_abs, __u64 n)
{
	struct u128 sq = u128_mul(m_abs, m_abs);
	struct u128 v = {.hi = *hi, .lo = *lo};

	if (u128_less(v, sq))
		v = u128_add(v, u128_div(u128_sub(sq, v), n));
	else
		v = u128_sub(v, u128_div(u128_sub(v, sq), n));
	*hi = v.hi;
	*lo = v.lo;
}

/*
 * mean_fx returns sum / cnt with shift fractional bits, without forming
 * sum << shift when that would overflow (datapath meanFx). When it fits,
 * (sum << shift) / cnt is the same quotient in one division instead of
 * three: with sum = q * cnt + r, both are q << shift plus
 * (r << shift) / cnt. shift is 1 to 63. Returns 0 for cnt 0.
 */
static __always_inline __u64 mean_fx(__u64 sum, __u64 cnt, __u32 shift)
{
	if (cnt == 0)
		return 0;
	if (sum >> (64 - shift) == 0)
		return (sum << shift) / cnt;
	return (sum / cnt << shift) + ((sum % cnt) << shift) / cnt;
}

/* abs_diff returns |a - b| and stores a < b in *neg. */
static __always_inline __u64 abs_diff(__u64 a, __u64 b, int *neg)
{
	*neg = a < b;
	return a < b ? b - a : a - b;
}

#endif /* FLOWTAP_VAR128_H */
