// Package plugins lists flowtap's analysers in T2's load order
// (basicFlow, basicStats, tcpStates, tcpWin, then pcapd; txtSink is the
// output). Each lives in its own folder; registration is explicit here,
// never through init().
package plugins
