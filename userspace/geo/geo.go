package geo

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sync/atomic"

	"github.com/oschwald/maxminddb-golang/v2"
)

// Unknown is what T2 prints for an address it cannot place (SUBNET_UNK), in
// both the country and the organisation column.
const Unknown = "-"

// Info is the geo answer for one address: CC is a T2 special code ("04"),
// a lower-case ISO 3166 country code ("us") or Unknown; Org is an
// organisation name, at most 30 bytes like T2's, or Unknown. Org is not
// quoted; quoting is the flows file writer's job.
type Info struct {
	CC, Org string
}

// unknownInfo is the answer for addresses no source knows.
func unknownInfo() Info { return Info{CC: Unknown, Org: Unknown} }

// DB looks addresses up in the built-in ranges and, if opened with Open, a
// MaxMind database. Lookup is safe for concurrent use; Close is not safe to
// call concurrently with Lookup.
type DB struct {
	v4, v6 *table
	mmdb   *maxminddb.Reader
	path   string
	// decodeErrs counts database records that failed to decode; Lookup
	// cannot log per flow, so the end report reads this instead.
	decodeErrs atomic.Uint64
}

// NewBuiltin returns a DB that knows only the built-in special ranges, which
// is what T2's reference runs used for IPv4 (t2-semantics.md 0, caveat 2).
func NewBuiltin() *DB {
	v4, v6, err := builtinTables()
	if err != nil {
		// The ranges are constants in builtin.go; tests build them, so this
		// only fires after a bad edit there.
		panic(fmt.Sprintf("geo: built-in ranges: %v", err))
	}
	return &DB{v4: v4, v6: v6}
}

// builtinTables builds the IPv4 and IPv6 search tables from builtin.go.
func builtinTables() (*table, *table, error) {
	e4, err := toEntries(builtinV4())
	if err != nil {
		return nil, nil, err
	}
	e6, err := toEntries(builtinV6())
	if err != nil {
		return nil, nil, err
	}
	v4, err := buildTable(e4, maxV4())
	if err != nil {
		return nil, nil, err
	}
	if err := v4.indexOctets(); err != nil {
		return nil, nil, err
	}
	v6, err := buildTable(e6, maxV6())
	if err != nil {
		return nil, nil, err
	}
	return v4, v6, nil
}

// Lookup returns the country code and organisation of ip. Special ranges win
// over the database, except T2's two legacy class-A entries (14/8, 24/8),
// which only answer when the database does not know the address.
//
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are looked up as IPv4:
// flowtap's flow keys hold 16 bytes for both families, so a mapped address
// almost always means an IPv4 flow. T2 picks the table by the flow's IP
// version and would print "61"/"IPv4 mapped" for such an address in a real
// IPv6 header, which practically never occurs.
//
// The unspecified addresses 0.0.0.0 and :: and invalid addresses give
// Unknown, as T2's subnet test returns "no subnet" for a zero address. For
// built-in answers Lookup does not allocate.
func (d *DB) Lookup(ip netip.Addr) Info {
	ip = ip.Unmap()
	if ip.Is4() {
		return d.LookupIPv4(ip.As4())
	}
	if !ip.IsValid() || ip.IsUnspecified() {
		return unknownInfo()
	}
	return d.answer(d.v6.find(key(ip)), ip)
}

// LookupIPv4 is Lookup for an IPv4 address given as its four bytes, as
// flow keys hold it; it spares the flows file writer the conversion.
func (d *DB) LookupIPv4(a [4]byte) Info {
	k := binary.BigEndian.Uint32(a[:])
	if k == 0 {
		return unknownInfo()
	}
	s := d.v4.find4(k)
	if s != nil && !s.legacy {
		return s.info
	}
	return d.answer(s, netip.AddrFrom4(a))
}

// answer completes a lookup for ip whose built-in span s (nil for none)
// is not decisive on its own: the database first, then s, then Unknown.
func (d *DB) answer(s *span, ip netip.Addr) Info {
	if s != nil && !s.legacy {
		return s.info
	}
	if d.mmdb != nil {
		if info, ok := d.lookupMMDB(ip); ok {
			return info
		}
	}
	if s != nil {
		return s.info
	}
	return unknownInfo()
}

// LookupErrors returns how many database records failed to decode since
// Open; those lookups answered from the built-in ranges or Unknown.
func (d *DB) LookupErrors() uint64 {
	return d.decodeErrs.Load()
}

// Close releases the database file, if any. A DB from NewBuiltin has
// nothing to release. After Close, Lookup answers from built-in ranges only.
func (d *DB) Close() error {
	if d.mmdb == nil {
		return nil
	}
	r := d.mmdb
	d.mmdb = nil
	if err := r.Close(); err != nil {
		return fmt.Errorf("close geo database %s: %w", d.path, err)
	}
	return nil
}
