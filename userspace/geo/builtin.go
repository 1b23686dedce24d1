package geo

import (
	"net/netip"
	"unicode/utf8"
)

// orgMax is T2's organisation field width (WHOLEN in subnetHL.h): its subnet
// converter reads at most 30 bytes, so longer names print cut short.
const orgMax = 30

// truncOrg cuts s to what T2 would print. Unlike T2 it never splits a UTF-8
// sequence, so database names stay valid text.
func truncOrg(s string) string {
	if len(s) <= orgMax {
		return s
	}
	cut := orgMax
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// rangeSpec is one built-in range as written in T2's priv4.txt/priv6.txt
// (utils/subnet/): CIDR, country column, organisation column.
type rangeSpec struct {
	cidr, cc, org string
	legacy        bool
}

// builtinV4 lists T2's IPv4 special-purpose ranges. Of the several hundred
// per-group multicast names in priv4.txt only common link-local groups are
// kept; other groups print their enclosing block (usually "Multicast").
// T2 reads the CIDR column (SUBRNG 0), so 233.0.0.0/9 covers 233.0-233.127
// although the file's range column says 233.251.255.255.
func builtinV4() []rangeSpec {
	return []rangeSpec{
		{cidr: "10.0.0.0/8", cc: "04", org: "Private network"},
		{cidr: "14.0.0.0/8", cc: "03", org: "Public data networks", legacy: true},
		{cidr: "24.0.0.0/8", cc: "09", org: "Cable television networks", legacy: true},
		{cidr: "127.0.0.0/8", cc: "01", org: "Loopback"},
		{cidr: "100.64.0.0/10", cc: "20", org: "Shared address space"},
		{cidr: "169.254.0.0/16", cc: "02", org: "Link-local"},
		{cidr: "172.16.0.0/12", cc: "05", org: "Private network"},
		{cidr: "192.0.0.0/24", cc: "06", org: "Private network"},
		{cidr: "192.0.2.0/24", cc: "21", org: "TEST-NET-1"},
		{cidr: "192.88.99.0/24", cc: "60", org: "IPv6 to IPv4 relay"},
		{cidr: "192.168.0.0/16", cc: "07", org: "Private network"},
		{cidr: "198.18.0.0/15", cc: "08", org: "Benchmark testing subnets"},
		{cidr: "198.51.100.0/24", cc: "22", org: "TEST-NET-2"},
		{cidr: "203.0.113.0/24", cc: "23", org: "TEST-NET-3"},
		{cidr: "224.0.0.0/4", cc: "10", org: "Multicast"},
		{cidr: "224.0.0.1/32", cc: "10", org: "All Systems on this Subnet"},
		{cidr: "224.0.0.2/32", cc: "10", org: "All Routers on this Subnet"},
		{cidr: "224.0.0.4/32", cc: "10", org: "DVMRP Routers"},
		{cidr: "224.0.0.5/32", cc: "10", org: "OSPF IGP All Routers"},
		{cidr: "224.0.0.6/32", cc: "10", org: "OSPF IGP Designated Routers"},
		{cidr: "224.0.0.9/32", cc: "10", org: "RIP2 Routers"},
		{cidr: "224.0.0.10/32", cc: "10", org: "EIGRP Routers"},
		{cidr: "224.0.0.12/32", cc: "10", org: "DHCP Server / Relay Agent"},
		{cidr: "224.0.0.13/32", cc: "10", org: "All PIM Routers"},
		{cidr: "224.0.0.18/32", cc: "10", org: "VRRP"},
		{cidr: "224.0.0.22/32", cc: "10", org: "IGMP"},
		{cidr: "224.0.0.102/32", cc: "10", org: "HSRP"},
		{cidr: "224.0.0.107/32", cc: "10", org: "PTP-pdelay"},
		{cidr: "224.0.0.251/32", cc: "10", org: "mDNS"},
		{cidr: "224.0.0.252/32", cc: "10", org: "Link-local Multicast Name Resolution"},
		{cidr: "224.0.1.1/32", cc: "10", org: "NTP Network Time Protocol"},
		{cidr: "224.252.0.0/14", cc: "10", org: "DIS Transient Groups"},
		{cidr: "233.0.0.0/9", cc: "10", org: "GLOP Block"},
		{cidr: "233.252.0.0/24", cc: "10", org: "MCAST-TEST-NET"},
		{cidr: "234.0.0.0/8", cc: "10", org: "Unicast-Prefix-based Multicast Addr"},
		{cidr: "239.0.0.0/8", cc: "10", org: "Organization-Local Scope"},
		{cidr: "240.0.0.0/4", cc: "24", org: "Reserved"},
		{cidr: "255.255.255.255/32", cc: "11", org: "Broadcast"},
	}
}

// builtinV6 lists T2's IPv6 special-purpose ranges with common link-local
// multicast groups. ::ffff:0:0/96 ("61", IPv4 mapped) is left out on purpose:
// Lookup treats IPv4-mapped addresses as IPv4 (see DB.Lookup).
func builtinV6() []rangeSpec {
	return []rangeSpec{
		{cidr: "::1/128", cc: "01", org: "Loopback"},
		{cidr: "::ffff:0:0:0/96", cc: "62", org: "IPv4 translated"},
		{cidr: "64:ff9b::/96", cc: "63", org: "IPv4/6 translation"},
		{cidr: "100::/64", cc: "25", org: "Discard prefix"},
		{cidr: "2001::/32", cc: "64", org: "Teredo"},
		{cidr: "2001:20::/28", cc: "26", org: "ORCHIDv2"},
		{cidr: "2001:db8::/32", cc: "27", org: "doc and example source"},
		{cidr: "2002::/16", cc: "65", org: "6to4 (deprecated)"},
		{cidr: "fc00::/7", cc: "04", org: "Unique local"},
		{cidr: "fe80::/10", cc: "02", org: "Link-local"},
		{cidr: "ff00::/8", cc: "10", org: "Multicast"},
		{cidr: "ff02::1/128", cc: "10", org: "All Nodes Address"},
		{cidr: "ff02::2/128", cc: "10", org: "Routers Address"},
		{cidr: "ff02::5/128", cc: "10", org: "OSPF IGP Link-local"},
		{cidr: "ff02::6/128", cc: "10", org: "OSPF IGP Designated Routers"},
		{cidr: "ff02::9/128", cc: "10", org: "RIP Routers"},
		{cidr: "ff02::a/128", cc: "10", org: "EIGRP Routers"},
		{cidr: "ff02::c/128", cc: "10", org: "SSDP"},
		{cidr: "ff02::d/128", cc: "10", org: "PIM Routers"},
		{cidr: "ff02::12/128", cc: "10", org: "VRRP"},
		{cidr: "ff02::16/128", cc: "10", org: "MLDv2-capable routers"},
		{cidr: "ff02::fb/128", cc: "10", org: "mDNSv6"},
		{cidr: "ff02::1:2/128", cc: "10", org: "DHCP_Relay_Agents_and_Servers"},
		// Misspelt in T2's data; kept because the output must match.
		{cidr: "ff02::1:3/128", cc: "10", org: "mulicast name resolution"},
		{cidr: "ff02::1:ff00:0/104", cc: "10", org: "Solicited node Link-local"},
		{cidr: "ff02::1:ff00:0/128", cc: "10", org: "Solicited-Node Address"},
		{cidr: "ff02::2:ff00:0/104", cc: "10", org: "Node information queries"},
		{cidr: "ff02::2:ff00:0/128", cc: "10", org: "Node Information Queries"},
	}
}

// toEntries parses specs. They are constants, so an error here is a bug in
// this file; every test builds the tables and would catch it.
func toEntries(specs []rangeSpec) ([]entry, error) {
	out := make([]entry, 0, len(specs))
	for _, s := range specs {
		p, err := netip.ParsePrefix(s.cidr)
		if err != nil {
			return nil, err
		}
		out = append(out, entry{prefix: p, info: Info{CC: s.cc, Org: truncOrg(s.org)}, legacy: s.legacy})
	}
	return out, nil
}
