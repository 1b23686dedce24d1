package geo

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2"
)

// mmdbRecord holds the fields flowtap reads from any MaxMind database type:
// Country/City fill the country, ASN fills autonomous_system_organization,
// ISP/Enterprise fill organization. Fields a database lacks stay empty.
type mmdbRecord struct {
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	RegisteredCountry struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"registered_country"`
	Organization string `maxminddb:"organization"`
	ASOrg        string `maxminddb:"autonomous_system_organization"`
}

// Open returns a DB that answers from the built-in ranges first and from the
// MaxMind database (GeoLite2/GeoIP2 Country, City, ASN, ISP, or any file
// with the same field names) at path otherwise.
func Open(path string) (*DB, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open geo database %s: %w", path, err)
	}
	// maxminddb.Open checks only the metadata; decode one record so that a
	// file with a broken search tree or data section fails here, at start-up,
	// rather than silently on every flow.
	if err := probe(r); err != nil {
		_ = r.Close()
		return nil, fmt.Errorf("open geo database %s: %w", path, err)
	}
	d := NewBuiltin()
	d.mmdb = r
	d.path = path
	return d, nil
}

// probe looks up one address of the database's family and decodes it.
func probe(r *maxminddb.Reader) error {
	ip := netip.MustParseAddr("1.1.1.1")
	if r.Metadata.IPVersion == 6 {
		ip = netip.MustParseAddr("2001:4860::1")
	}
	res := r.Lookup(ip)
	if err := res.Err(); err != nil {
		return err
	}
	var rec mmdbRecord
	if res.Found() {
		return res.Decode(&rec)
	}
	return nil
}

// lookupMMDB answers from the database; ok is false when the database holds
// nothing usable for ip.
func (d *DB) lookupMMDB(ip netip.Addr) (Info, bool) {
	if ip.Is6() && d.mmdb.Metadata.IPVersion != 6 {
		// An IPv4-only database simply has no IPv6 answers; asking it
		// would return an error for every IPv6 flow.
		return Info{}, false
	}
	res := d.mmdb.Lookup(ip)
	if res.Err() != nil {
		d.decodeErrs.Add(1)
		return Info{}, false
	}
	if !res.Found() {
		return Info{}, false
	}
	var rec mmdbRecord
	if err := res.Decode(&rec); err != nil {
		d.decodeErrs.Add(1)
		return Info{}, false
	}
	cc := countryCode(rec.Country.ISOCode)
	if cc == Unknown {
		// Anycast and satellite ranges often have only the registration.
		cc = countryCode(rec.RegisteredCountry.ISOCode)
	}
	org := rec.Organization
	if org == "" {
		org = rec.ASOrg
	}
	org = cleanOrg(org)
	if cc == Unknown && org == Unknown {
		return Info{}, false
	}
	return Info{CC: cc, Org: org}, true
}

// countryCode lower-cases a two-letter ISO code, as T2 prints countries
// ("us", "ch"); anything else is Unknown.
func countryCode(iso string) string {
	if len(iso) != 2 || !isLetter(iso[0]) || !isLetter(iso[1]) {
		return Unknown
	}
	return strings.ToLower(iso)
}

func isLetter(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// cleanOrg makes a database name fit T2's organisation column: no tabs or
// line breaks (they would split the flows file's columns; T2's converter
// stops at them too) and at most 30 bytes.
func cleanOrg(s string) string {
	if strings.ContainsAny(s, "\t\r\n") {
		s = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, s)
	}
	s = truncOrg(strings.TrimSpace(s))
	if s == "" {
		return Unknown
	}
	return s
}
