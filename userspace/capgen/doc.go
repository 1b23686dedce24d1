// Package capgen writes deterministic synthetic captures (Ethernet, classic
// microsecond pcap) together with their ground truth: a small sample that
// exercises every case flowtap must handle (zero windows, refused connections,
// VLAN/QinQ, IPv6, IPv4 fragments, ARP, idle timeouts) and large benchmark
// captures of interleaved TCP connections.
//
// It owns capture synthesis only: it does not decode, analyse or open files;
// callers pass an io.Writer and read the returned Truth.
package capgen
