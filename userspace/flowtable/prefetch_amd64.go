package flowtable

// prefetchLine starts loading the cache line at addr (PREFETCHT0)
// without waiting for it: unlike a load, a prefetch never holds up the
// instructions behind it, so prefetches issued a few packets ahead
// overlap with the work on the current packet. An unmapped address is
// ignored by the CPU.
//
//go:noescape
func prefetchLine(addr uintptr)

// prefetchFlowLines prefetches the first four lines of the flow at flow
// (what an ordinary packet touches, bpf/types.h) and the line of its
// LRU link.
//
//go:noescape
func prefetchFlowLines(flow, link uintptr)
