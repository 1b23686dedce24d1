// Package gen holds the bpf2go output for bpf/xdp_flowtap.bpf.c: the
// compiled object and the Go twins of its shared C structs (FlowtapFlowKey,
// FlowtapFlowState). Nothing here is edited by hand: run `make generate`.
package gen
