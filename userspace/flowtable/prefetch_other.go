//go:build !amd64

package flowtable

// prefetchLine does nothing where flowtap has no prefetch instruction.
func prefetchLine(addr uintptr) {}

// prefetchFlowLines does nothing where flowtap has no prefetch instruction.
func prefetchFlowLines(flow, link uintptr) {}
