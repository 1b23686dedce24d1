package geo

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// oracle answers by brute force over the spec lists: the longest prefix that
// contains ip, or Unknown. It shares no code with the span table.
type oracle struct{ entries []entry }

func newOracle(t testing.TB) oracle {
	t.Helper()
	var all []entry
	for _, specs := range [][]rangeSpec{builtinV4(), builtinV6()} {
		e, err := toEntries(specs)
		if err != nil {
			t.Fatalf("parse built-in ranges: %v", err)
		}
		all = append(all, e...)
	}
	return oracle{entries: all}
}

func (o oracle) lookup(ip netip.Addr) Info {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsUnspecified() {
		return unknownInfo()
	}
	best := -1
	for i, e := range o.entries {
		if e.prefix.Contains(ip) && (best < 0 || e.prefix.Bits() > o.entries[best].prefix.Bits()) {
			best = i
		}
	}
	if best < 0 {
		return unknownInfo()
	}
	return o.entries[best].info
}

// lastAddr returns the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(a)*8; i++ {
		a[i/8] |= 0x80 >> (i % 8)
	}
	out, _ := netip.AddrFromSlice(a)
	return out
}

// TestBuiltinBoundaries checks, for every built-in range, its first and last
// address and the addresses just outside it against the brute-force oracle.
func TestBuiltinBoundaries(t *testing.T) {
	db := NewBuiltin()
	o := newOracle(t)
	for _, e := range o.entries {
		first := e.prefix.Masked().Addr()
		last := lastAddr(e.prefix)
		t.Run(e.prefix.String(), func(t *testing.T) {
			probes := []netip.Addr{first, last, first.Prev(), last.Next()}
			for _, ip := range probes {
				if !ip.IsValid() {
					continue // range starts at 0 or ends at the top
				}
				if got, want := db.Lookup(ip), o.lookup(ip); got != want {
					t.Errorf("Lookup(%s) = %+v, want %+v", ip, got, want)
				}
			}
			// The range's own answer must show at one of its ends unless a
			// more specific range covers both.
			if db.Lookup(first) != e.info && db.Lookup(last) != e.info {
				t.Errorf("%s: neither %s nor %s answers %+v", e.prefix, first, last, e.info)
			}
		})
	}
}

// TestBuiltinKnownValues pins values from T2's priv4.txt/priv6.txt and the
// reference flows files (t2-semantics.md 0 caveat 2, 7.1).
func TestBuiltinKnownValues(t *testing.T) {
	const priv = "Private network"
	tests := []struct {
		ip, cc, org string
	}{
		// Reference flows files.
		{"10.0.0.1", "04", priv},
		{"192.168.1.53", "07", priv},
		{"1.0.3.2", "-", "-"},
		// 10/8
		{"9.255.255.255", "-", "-"},
		{"10.0.0.0", "04", priv},
		{"10.255.255.255", "04", priv},
		{"11.0.0.0", "-", "-"},
		// 172.16/12
		{"172.15.255.255", "-", "-"},
		{"172.16.0.0", "05", priv},
		{"172.31.255.255", "05", priv},
		{"172.32.0.0", "-", "-"},
		// 192.168/16
		{"192.167.255.255", "-", "-"},
		{"192.168.0.0", "07", priv},
		{"192.168.255.255", "07", priv},
		{"192.169.0.0", "-", "-"},
		{"192.0.0.8", "06", priv},
		{"127.0.0.1", "01", "Loopback"},
		{"128.0.0.0", "-", "-"},
		{"169.254.0.0", "02", "Link-local"},
		{"169.255.0.0", "-", "-"},
		{"100.63.255.255", "-", "-"},
		{"100.64.0.0", "20", "Shared address space"},
		{"100.127.255.255", "20", "Shared address space"},
		{"100.128.0.0", "-", "-"},
		{"192.0.2.255", "21", "TEST-NET-1"},
		{"198.51.100.0", "22", "TEST-NET-2"},
		{"203.0.113.255", "23", "TEST-NET-3"},
		{"203.0.114.0", "-", "-"},
		{"198.19.255.255", "08", "Benchmark testing subnets"},
		{"192.88.99.1", "60", "IPv6 to IPv4 relay"},
		{"14.1.2.3", "03", "Public data networks"},
		{"24.1.2.3", "09", "Cable television networks"},
		{"223.255.255.255", "-", "-"},
		{"224.0.0.0", "10", "Multicast"},
		{"224.0.0.251", "10", "mDNS"},
		// 36 bytes in T2's file, cut to WHOLEN 30.
		{"224.0.0.252", "10", "Link-local Multicast Name Reso"},
		// CIDR mode: 233.0.0.0/9 ends at 233.127.255.255.
		{"233.127.255.255", "10", "GLOP Block"},
		{"233.128.0.0", "10", "Multicast"},
		{"239.255.255.250", "10", "Organization-Local Scope"},
		{"240.0.0.0", "24", "Reserved"},
		{"255.255.255.254", "24", "Reserved"},
		{"255.255.255.255", "11", "Broadcast"},
		// T2's subnet test treats a zero address as unknown.
		{"0.0.0.0", "-", "-"},
		{"::", "-", "-"},
		{"::1", "01", "Loopback"},
		{"::2", "-", "-"},
		{"fe80::1", "02", "Link-local"},
		{"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "02", "Link-local"},
		{"fec0::", "-", "-"},
		{"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "-", "-"},
		{"fc00::", "04", "Unique local"},
		{"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "04", "Unique local"},
		{"ff02::1", "10", "All Nodes Address"},
		{"ff02::1:ff12:3456", "10", "Solicited node Link-local"},
		{"ff02::1:ff00:0", "10", "Solicited-Node Address"},
		{"ff02::1:3", "10", "mulicast name resolution"},
		{"ff0e::1", "10", "Multicast"},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "10", "Multicast"},
		{"2001::1", "64", "Teredo"},
		{"2001:1::", "-", "-"},
		{"2001:20::1", "26", "ORCHIDv2"},
		{"2001:2f:ffff:ffff:ffff:ffff:ffff:ffff", "26", "ORCHIDv2"},
		{"2001:30::", "-", "-"},
		{"2001:db8::1", "27", "doc and example source"},
		{"2002::1", "65", "6to4 (deprecated)"},
		{"2003::", "-", "-"},
		{"64:ff9b::1", "63", "IPv4/6 translation"},
		{"100::1", "25", "Discard prefix"},
		{"100:0:0:1::", "-", "-"},
		{"::ffff:0:a00:1", "62", "IPv4 translated"},
	}
	db := NewBuiltin()
	for _, tc := range tests {
		t.Run(tc.ip, func(t *testing.T) {
			got := db.Lookup(netip.MustParseAddr(tc.ip))
			if want := (Info{CC: tc.cc, Org: tc.org}); got != want {
				t.Fatalf("Lookup(%s) = %+v, want %+v", tc.ip, got, want)
			}
		})
	}
}

// TestIPv4Mapped checks that ::ffff:a.b.c.d answers like a.b.c.d.
func TestIPv4Mapped(t *testing.T) {
	db := NewBuiltin()
	for _, s := range []string{"10.0.0.1", "192.168.1.53", "1.0.3.2", "255.255.255.255", "224.0.0.251"} {
		t.Run(s, func(t *testing.T) {
			v4 := netip.MustParseAddr(s)
			mapped := netip.AddrFrom16(v4.As16())
			if !mapped.Is4In6() {
				t.Fatalf("%s is not IPv4-mapped", mapped)
			}
			if got, want := db.Lookup(mapped), db.Lookup(v4); got != want {
				t.Fatalf("Lookup(%s) = %+v, want %+v as for %s", mapped, got, want, v4)
			}
		})
	}
	if got := db.Lookup(netip.Addr{}); got != unknownInfo() {
		t.Fatalf("Lookup(invalid) = %+v, want unknown", got)
	}
}

// TestLookupMatchesOracle compares random addresses, biased towards range
// edges, with the brute-force answer.
func TestLookupMatchesOracle(t *testing.T) {
	db := NewBuiltin()
	o := newOracle(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		var ip netip.Addr
		if i%2 == 0 {
			var b [4]byte
			putRandom(rng, b[:])
			ip = netip.AddrFrom4(b)
		} else {
			var b [16]byte
			putRandom(rng, b[:])
			// Keep most IPv6 samples in the special space ff00::/8, fc00::/7…
			b[0] = []byte{0x00, 0x01, 0x20, 0xfc, 0xfe, 0xff}[rng.IntN(6)]
			ip = netip.AddrFrom16(b)
		}
		if got, want := db.Lookup(ip), o.lookup(ip); got != want {
			t.Fatalf("Lookup(%s) = %+v, want %+v", ip, got, want)
		}
	}
}

func putRandom(rng *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
}

// FuzzLookup checks the span table against the oracle on arbitrary input.
func FuzzLookup(f *testing.F) {
	for _, s := range []string{"10.0.0.1", "255.255.255.255", "::1", "ff02::1:ff00:0", "2001:2f::"} {
		f.Add(netip.MustParseAddr(s).AsSlice())
	}
	db := NewBuiltin()
	o := newOracle(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		ip, ok := netip.AddrFromSlice(b)
		if !ok {
			return
		}
		if got, want := db.Lookup(ip), o.lookup(ip); got != want {
			t.Fatalf("Lookup(%s) = %+v, want %+v", ip, got, want)
		}
	})
}

// TestLookupDoesNotAllocate guards the per-flow cost for built-in answers.
func TestLookupDoesNotAllocate(t *testing.T) {
	db := NewBuiltin()
	ips := []netip.Addr{
		netip.MustParseAddr("10.0.0.1"),
		netip.MustParseAddr("1.0.3.2"),
		netip.MustParseAddr("::ffff:192.168.1.53"),
		netip.MustParseAddr("fe80::1"),
		netip.MustParseAddr("2a00:1450::1"),
	}
	var sink Info
	allocs := testing.AllocsPerRun(1000, func() {
		for _, ip := range ips {
			sink = db.Lookup(ip)
		}
	})
	if allocs != 0 {
		t.Fatalf("Lookup allocated %.1f times per run, want 0", allocs)
	}
	_ = sink
}

func TestBuildTableRejectsBadRanges(t *testing.T) {
	info := Info{CC: "04", Org: "x"}
	tests := []struct {
		name    string
		entries []entry
	}{
		{"unmasked", []entry{{prefix: netip.PrefixFrom(netip.MustParseAddr("10.0.0.1"), 8), info: info}}},
		{"duplicate", []entry{
			{prefix: netip.MustParsePrefix("10.0.0.0/8"), info: info},
			{prefix: netip.MustParsePrefix("10.0.0.0/8"), info: info},
		}},
		{"invalid", []entry{{info: info}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := buildTable(tc.entries, maxV4()); err == nil {
				t.Fatal("buildTable accepted a bad range")
			}
		})
	}
}

// TestTableSpansOrdered checks the invariant the binary search relies on.
func TestTableSpansOrdered(t *testing.T) {
	db := NewBuiltin()
	for name, tb := range map[string]*table{"v4": db.v4, "v6": db.v6} {
		t.Run(name, func(t *testing.T) {
			if len(tb.spans) == 0 {
				t.Fatal("no spans")
			}
			for i, s := range tb.spans {
				if s.last.less(s.first) {
					t.Fatalf("span %d ends before it starts", i)
				}
				if i > 0 && !tb.spans[i-1].last.less(s.first) {
					t.Fatalf("span %d overlaps span %d", i, i-1)
				}
			}
		})
	}
}

func TestTruncOrg(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Private network", "Private network"},
		{"Link-local Multicast Name Resolution", "Link-local Multicast Name Reso"},
		{"123456789012345678901234567890", "123456789012345678901234567890"},
		// 29 ASCII bytes then a 2-byte rune: the rune would straddle byte 30.
		{"12345678901234567890123456789é", "12345678901234567890123456789"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := truncOrg(tc.in); got != tc.want {
				t.Fatalf("truncOrg(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func BenchmarkLookupBuiltin(b *testing.B) {
	db := NewBuiltin()
	ips := []netip.Addr{
		netip.MustParseAddr("10.0.0.1"),
		netip.MustParseAddr("1.0.3.2"),
		netip.MustParseAddr("2a00:1450::1"),
		netip.MustParseAddr("ff02::fb"),
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = db.Lookup(ips[i%len(ips)])
	}
}
