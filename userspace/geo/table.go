package geo

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
)

// u128 is an address as a number, so IPv4 and IPv6 share one interval code.
type u128 struct{ hi, lo uint64 }

func (a u128) less(b u128) bool {
	return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo)
}

func (a u128) cmp(b u128) int {
	switch {
	case a.less(b):
		return -1
	case b.less(a):
		return 1
	}
	return 0
}

// next returns a+1, or false when a is top, the highest address of its
// family, so callers never wrap around to 0.
func (a u128) next(top u128) (u128, bool) {
	if a == top {
		return a, false
	}
	if a.lo == ^uint64(0) {
		return u128{a.hi + 1, 0}, true
	}
	return u128{a.hi, a.lo + 1}, true
}

// maxV4 and maxV6 are the highest IPv4 and IPv6 addresses as u128.
func maxV4() u128 { return u128{0, 0xffffffff} }
func maxV6() u128 { return u128{^uint64(0), ^uint64(0)} }

// key converts an address to its number; IPv4 uses the low 32 bits.
func key(a netip.Addr) u128 {
	if a.Is4() {
		b := a.As4()
		return u128{0, uint64(binary.BigEndian.Uint32(b[:]))}
	}
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// entry is one built-in prefix before flattening.
type entry struct {
	prefix netip.Prefix
	info   Info
	// legacy marks T2 entries for blocks that are ordinary public space today
	// (14/8, 24/8): they apply only when a database does not know the address.
	legacy bool
}

// span is a run of addresses [first, last] that all map to the same entry.
type span struct {
	first, last u128
	info        Info
	legacy      bool
}

// table answers "which most specific built-in prefix holds this address" by
// binary search over non-overlapping spans, so lookups never allocate.
type table struct {
	spans []span
	// octet[o] is the range of spans that meet o.0.0.0/8, for IPv4
	// tables: every flow line looks up two addresses, and one octet
	// narrows the search to one or a few spans.
	octet [256][2]uint16
}

// find returns the span holding k, or nil.
func (t *table) find(k u128) *span {
	return search(t.spans, k)
}

// find4 is find for an IPv4 table and address.
func (t *table) find4(a uint32) *span {
	r := t.octet[a>>24]
	return search(t.spans[r[0]:r[1]], u128{0, uint64(a)})
}

// search returns the span of spans holding k, or nil.
func search(spans []span, k u128) *span {
	lo, hi := 0, len(spans)
	// Invariant: spans[:lo] start at or before k, spans[hi:] start after k.
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if k.less(spans[mid].first) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if lo == 0 {
		return nil
	}
	s := &spans[lo-1]
	if s.last.less(k) {
		return nil
	}
	return s
}

// indexOctets fills octet for an IPv4 table: spans are sorted and do not
// overlap, so the spans meeting one /8 are consecutive.
func (t *table) indexOctets() error {
	if len(t.spans) > 1<<16-1 {
		return fmt.Errorf("built-in ranges: %d spans, too many to index", len(t.spans))
	}
	lo := 0
	for o := range uint64(256) {
		first, last := u128{0, o << 24}, u128{0, o<<24 | 0xffffff}
		for lo < len(t.spans) && t.spans[lo].last.less(first) {
			lo++
		}
		hi := lo
		for hi < len(t.spans) && !last.less(t.spans[hi].first) {
			hi++
		}
		t.octet[o] = [2]uint16{uint16(lo), uint16(hi)}
	}
	return nil
}

// prefixBounds returns the first and last address of p as numbers.
func prefixBounds(p netip.Prefix) (u128, u128) {
	first := key(p.Masked().Addr())
	bits := 128
	if p.Addr().Is4() {
		bits = 32
	}
	host := uint(bits - p.Bits())
	last := first
	switch {
	case host >= 64:
		last.lo = ^uint64(0)
		last.hi |= (uint64(1) << (host - 64)) - 1
		if host == 128 {
			last.hi = ^uint64(0)
		}
	case host > 0:
		last.lo |= (uint64(1) << host) - 1
	}
	return first, last
}

// buildTable flattens nested prefixes so the most specific one wins, as T2's
// CIDR-mode subnet test does (SUBRNG 0: a miss climbs to the enclosing net).
// Every prefix must be of the family whose highest address is top.
func buildTable(entries []entry, top u128) (*table, error) {
	seen := make(map[netip.Prefix]bool, len(entries))
	var cuts []u128
	for _, e := range entries {
		if !e.prefix.IsValid() || e.prefix != e.prefix.Masked() {
			return nil, fmt.Errorf("built-in range %s: not a masked prefix", e.prefix)
		}
		if seen[e.prefix] {
			return nil, fmt.Errorf("built-in range %s: listed twice", e.prefix)
		}
		seen[e.prefix] = true
		first, last := prefixBounds(e.prefix)
		cuts = append(cuts, first)
		if after, ok := last.next(top); ok {
			cuts = append(cuts, after)
		}
	}
	slices.SortFunc(cuts, u128.cmp)
	cuts = slices.Compact(cuts)

	t := &table{}
	for i, start := range cuts {
		end := top
		if i+1 < len(cuts) {
			end = prev(cuts[i+1])
		}
		best := -1
		for j, e := range entries {
			if e.prefix.Contains(addrOf(start, e.prefix.Addr().Is4())) &&
				(best < 0 || e.prefix.Bits() > entries[best].prefix.Bits()) {
				best = j
			}
		}
		if best < 0 {
			continue
		}
		t.appendSpan(span{first: start, last: end, info: entries[best].info, legacy: entries[best].legacy})
	}
	return t, nil
}

// appendSpan adds s, merging it into the previous span when they touch and
// carry the same answer (keeps the search short).
func (t *table) appendSpan(s span) {
	if n := len(t.spans); n > 0 {
		p := &t.spans[n-1]
		if nx, ok := p.last.next(maxV6()); ok && nx == s.first && p.info == s.info && p.legacy == s.legacy {
			p.last = s.last
			return
		}
	}
	t.spans = append(t.spans, s)
}

// prev returns a-1; a is never 0 here because cuts above 0 come from last+1.
func prev(a u128) u128 {
	if a.lo == 0 {
		return u128{a.hi - 1, ^uint64(0)}
	}
	return u128{a.hi, a.lo - 1}
}

// addrOf turns a number back into an address of the given family.
func addrOf(k u128, v4 bool) netip.Addr {
	if v4 {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(k.lo))
		return netip.AddrFrom4(b)
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], k.hi)
	binary.BigEndian.PutUint64(b[8:], k.lo)
	return netip.AddrFrom16(b)
}
