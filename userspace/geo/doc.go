// Package geo owns the country code and organisation lookup behind the
// srcIPCC/srcIPOrg/dstIPCC/dstIPOrg flow columns (t2-semantics.md 7.1).
// Built in are T2's special-purpose ranges with its codes and strings: IPv4
// 10/8, 14/8, 24/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24,
// TEST-NET-1..3, 192.88.99/24, 192.168/16, 198.18/15, 224/4 with common
// groups, 240/4, 255.255.255.255; IPv6 ::1, ::ffff:0:0:0/96, 64:ff9b::/96,
// 100::/64, 2001::/32, 2001:20::/28, 2001:db8::/32, 2002::/16, fc00::/7,
// fe80::/10, ff00::/8 with common ff02:: groups (builtin.go lists them all).
// A MaxMind database is optional. It must not print, quote or log: the
// caller formats the columns and counts failures via LookupErrors.
package geo
