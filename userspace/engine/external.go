package engine

import "github.com/flowtap/flowtap/userspace/flowtable"

// Emit writes a flow pair the engine's table does not own, a as A and b
// (nil for a flow without opposite) as B, through the same plugins,
// ALARM_MODE filter and flows file as the engine's own flows, in the
// order of the calls. Live capture hands it the pairs the sweeper removes
// from the kernel's flows map. It must not be called concurrently with
// other Engine methods, nor after Finish.
func (e *Engine) Emit(a, b *flowtable.Flow) { e.emit(a, b) }

// Expire writes the flows of the engine's own table that have timed out
// at nowNs. Offline, packets drive expiry; live, only the packets the
// kernel punts reach the engine, so the capture loop calls this between
// them to end those flows on time too.
func (e *Engine) Expire(nowNs uint64) { e.table.Expire(nowNs, e.emit) }

// AddCounts lets a caller that handled packets outside the engine (live:
// the kernel) add its figures to the run's counters. Call it after the
// last packet and before Stats, which derives the plugins' report lines
// from Packets, the A and B bytes and LowWinPkts; Stats sets the flow
// counts (AFlows, BFlows, L2Flows, ...) from the engine's table, so add
// the caller's flows to what Stats returns.
func (e *Engine) AddCounts(add func(*Stats)) { add(&e.stats) }
