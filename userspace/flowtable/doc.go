// Package flowtable keeps the live flow directions of the offline engine:
// lookup by T2 flow key, A/B pairing and flowInd assignment, the IPv4/IPv6
// fragment table, and T2's expiry order (one LRU list with a sentinel per
// distinct timeout, t2-semantics.md section 3). It decides when flows end
// and hands them to a callback; it does no parsing, no formatting and no I/O.
package flowtable
