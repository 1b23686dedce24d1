// Package bitdesc decodes flowtap's status bit fields (flowStat,
// tcpStatesAFlags, tcpWinStat) into the text T2 0.9.3 prints: the
// `tawk -V name=value` table and the [WRN]/[INF] lines that close the end
// report (t2-semantics.md sections 6 and 8).
//
// It owns the bit descriptions and their layout only. It must not compute
// status values, read flow files or write colour codes.
package bitdesc
