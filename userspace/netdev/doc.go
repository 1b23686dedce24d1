// Package netdev checks a network interface before flowtap attaches to it:
// it resolves the name with netlink, reports which XDP program is already
// attached and in which mode, and whether the NIC strips VLAN tags before
// XDP sees them (t2-semantics.md §11.5). It attaches nothing itself.
package netdev
