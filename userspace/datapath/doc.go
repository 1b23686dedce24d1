// Package datapath holds flowtap's per-packet logic: Parse turns a captured
// frame into a Meta (flow key, header stack, lengths, TCP fields, status
// bits) and the update functions apply one packet to the shared per-flow
// state gen.FlowtapFlowState (basicFlow, basicStats, tcpStates, tcpWin and
// pcapd selection). It is the Go twin of the XDP program in bpf/: integers
// only, bounded loops, no allocation. It owns no flow table and does no I/O.
package datapath
