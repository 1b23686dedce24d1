package geo

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// record builds a MaxMind data map from optional country, registered
// country, organization and AS organization values ("" leaves one out).
func record(country, registered, org, asOrg string) mmdbtype.Map {
	m := mmdbtype.Map{}
	if country != "" {
		m["country"] = mmdbtype.Map{"iso_code": mmdbtype.String(country)}
	}
	if registered != "" {
		m["registered_country"] = mmdbtype.Map{"iso_code": mmdbtype.String(registered)}
	}
	if org != "" {
		m["organization"] = mmdbtype.String(org)
	}
	if asOrg != "" {
		m["autonomous_system_organization"] = mmdbtype.String(asOrg)
	}
	return m
}

// writeMMDB writes a database with the given networks to a temp file.
func writeMMDB(t *testing.T, ipVersion int, nets map[string]mmdbtype.Map) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType:            "flowtap-test",
		IPVersion:               ipVersion,
		IncludeReservedNetworks: true,
		RecordSize:              24,
	})
	if err != nil {
		t.Fatalf("new mmdb tree: %v", err)
	}
	for cidr, rec := range nets {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatalf("parse %s: %v", cidr, err)
		}
		if err := tree.Insert(n, rec); err != nil {
			t.Fatalf("insert %s: %v", cidr, err)
		}
	}
	path := filepath.Join(t.TempDir(), "test.mmdb")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatalf("create mmdb: %v", err)
	}
	if _, err := tree.WriteTo(fh); err != nil {
		t.Fatalf("write mmdb: %v", err)
	}
	if err := fh.Close(); err != nil {
		t.Fatalf("close mmdb: %v", err)
	}
	return path
}

func openDB(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db
}

// lookupCase is an address with the country code and organization that
// Lookup must give for it.
type lookupCase struct{ ip, cc, org string }

// checkLookups runs db.Lookup on every case as a subtest named by address.
func checkLookups(t *testing.T, db *DB, tests []lookupCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.ip, func(t *testing.T) {
			got := db.Lookup(netip.MustParseAddr(tc.ip))
			if want := (Info{CC: tc.cc, Org: tc.org}); got != want {
				t.Fatalf("Lookup(%s) = %+v, want %+v", tc.ip, got, want)
			}
		})
	}
}

func TestOpenLookup(t *testing.T) {
	path := writeMMDB(t, 6, map[string]mmdbtype.Map{
		"1.0.3.0/24":     record("AU", "", "", "Example AS"),
		"10.0.0.0/8":     record("US", "", "", "Should Not Show"),
		"24.1.0.0/16":    record("US", "", "", ""),
		"2.0.0.0/16":     record("", "FR", "", ""),
		"3.0.0.0/16":     record("DE", "", "Org\tWith Tab and a very long name", "AS Name"),
		"5.0.0.0/16":     record("XYZ", "", "", ""),
		"6.0.0.0/16":     record("JP", "", strings.Repeat("é", 20), ""),
		"2a00:1450::/32": record("IE", "", "", "Google"),
		"fe80::/10":      record("US", "", "", "Should Not Show"),
	})
	db := openDB(t, path)
	tests := []lookupCase{
		{"1.0.3.2", "au", "Example AS"},
		{"::ffff:1.0.3.2", "au", "Example AS"},
		// Special ranges win over the database.
		{"10.0.0.1", "04", "Private network"},
		{"fe80::1", "02", "Link-local"},
		// T2's legacy 24/8 entry yields where the database knows better…
		{"24.1.2.3", "us", "-"},
		// …and still answers where it does not.
		{"24.2.0.1", "09", "Cable television networks"},
		{"2.0.1.1", "fr", "-"},
		// organization beats the AS name; tab removed, cut to 30 bytes.
		{"3.0.0.1", "de", "Org With Tab and a very long n"},
		{"5.0.0.1", "-", "-"},
		{"6.0.0.1", "jp", strings.Repeat("é", 15)},
		{"2a00:1450::1", "ie", "Google"},
		{"8.8.8.8", "-", "-"},
		{"2c0f::1", "-", "-"},
	}
	checkLookups(t, db, tests)
	if n := db.LookupErrors(); n != 0 {
		t.Fatalf("LookupErrors() = %d, want 0", n)
	}
}

func TestOpenIPv4OnlyDatabase(t *testing.T) {
	path := writeMMDB(t, 4, map[string]mmdbtype.Map{
		"1.0.3.0/24": record("AU", "", "", "Example AS"),
	})
	db := openDB(t, path)
	tests := []lookupCase{
		{"1.0.3.2", "au", "Example AS"},
		{"2a00:1450::1", "-", "-"},
		{"fe80::1", "02", "Link-local"},
	}
	checkLookups(t, db, tests)
	if n := db.LookupErrors(); n != 0 {
		t.Fatalf("IPv6 lookups in an IPv4 database counted %d errors, want 0", n)
	}
}

func TestOpenErrorsNameFile(t *testing.T) {
	dir := t.TempDir()
	valid := writeMMDB(t, 6, map[string]mmdbtype.Map{"1.0.3.0/24": record("AU", "", "", "")})
	data, err := os.ReadFile(valid)
	if err != nil {
		t.Fatalf("read test database: %v", err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatalf("write %s: %v", p, err)
		}
		return p
	}
	tests := []struct{ name, path string }{
		{"missing", filepath.Join(dir, "missing.mmdb")},
		{"empty", write("empty.mmdb", nil)},
		{"garbage", write("garbage.mmdb", []byte(strings.Repeat("not a maxmind database ", 100)))},
		// Cutting the tail drops the metadata section.
		{"truncated", write("truncated.mmdb", data[:len(data)/2])},
		{"directory", dir},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(tc.path)
			if err == nil {
				_ = db.Close()
				t.Fatalf("Open(%s) succeeded", tc.path)
			}
			if !strings.Contains(err.Error(), tc.path) {
				t.Fatalf("error %q does not name %s", err, tc.path)
			}
		})
	}
}

func TestClose(t *testing.T) {
	path := writeMMDB(t, 6, map[string]mmdbtype.Map{"1.0.3.0/24": record("AU", "", "", "")})
	db, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	ip := netip.MustParseAddr("1.0.3.2")
	if got := db.Lookup(ip); got.CC != "au" {
		t.Fatalf("before Close: Lookup(%s) = %+v, want CC au", ip, got)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if got := db.Lookup(ip); got != unknownInfo() {
		t.Fatalf("after Close: Lookup(%s) = %+v, want unknown", ip, got)
	}
	if got := db.Lookup(netip.MustParseAddr("10.0.0.1")); got.CC != "04" {
		t.Fatalf("after Close: built-in range lost: %+v", got)
	}
	if err := NewBuiltin().Close(); err != nil {
		t.Fatalf("Close on built-in DB: %v", err)
	}
}

func TestCountryCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"US", "us"}, {"ch", "ch"}, {"", "-"}, {"USA", "-"}, {"1A", "-"}, {"É", "-"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := countryCode(tc.in); got != tc.want {
				t.Fatalf("countryCode(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
