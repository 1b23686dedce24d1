package ktime

import (
	"sync"
	"time"
)

// Clock reads the two clocks the offset is made of, in nanoseconds.
type Clock interface {
	// Monotonic is CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns.
	Monotonic() int64
	// Realtime is CLOCK_REALTIME, ns since the Unix epoch.
	Realtime() int64
}

// DefaultInterval is how often the offset is re-sampled.
const DefaultInterval = time.Second

// Converter converts kernel monotonic times to wall-clock times. It is
// safe for concurrent use: the ring-buffer reader and the flow sweeper
// share one, so packets and flows get the same offset.
type Converter struct {
	clk      Clock
	interval int64

	mu      sync.Mutex
	offset  int64 // realtime - monotonic at the last sample
	sampled int64 // monotonic time of the last sample
	samples uint64
	maxStep int64 // largest change of the offset between two samples
}

// NewConverter returns a converter that samples clk now and again
// whenever a converted time is interval past the last sample (0:
// DefaultInterval).
func NewConverter(clk Clock, interval time.Duration) *Converter {
	if interval <= 0 {
		interval = DefaultInterval
	}
	c := &Converter{clk: clk, interval: interval.Nanoseconds()}
	c.mu.Lock()
	c.sampleLocked(true)
	c.mu.Unlock()
	return c
}

// sampleLocked reads the offset. The realtime read sits between two
// monotonic reads, and the offset uses their midpoint, which halves the
// error a preemption between the reads can cause.
func (c *Converter) sampleLocked(first bool) {
	m1 := c.clk.Monotonic()
	r := c.clk.Realtime()
	m2 := c.clk.Monotonic()
	mid := m1 + (m2-m1)/2
	off := r - mid
	if !first {
		c.maxStep = max(c.maxStep, abs(off-c.offset))
	}
	c.offset, c.sampled = off, mid
	c.samples++
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// Wall returns the wall-clock time (ns since the Unix epoch) of the
// kernel monotonic time mono. The offset is re-sampled first when mono is
// an interval or more past the last sample; packet times stand in for
// "now", so a busy reader makes no clock call per packet.
func (c *Converter) Wall(mono uint64) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if int64(mono)-c.sampled >= c.interval {
		c.sampleLocked(false)
	}
	return int64(mono) + c.offset
}

// Resample reads the offset now, whatever its age. The sweeper calls it
// once per pass so that idle periods still track clock steps.
func (c *Converter) Resample() {
	c.mu.Lock()
	c.sampleLocked(false)
	c.mu.Unlock()
}

// Now returns the kernel monotonic time now, the time base of the flows
// map's first_ns and last_ns.
func (c *Converter) Now() uint64 { return uint64(c.clk.Monotonic()) }

// Stats describe the offset for the end report.
type Stats struct {
	Offset  int64  // realtime - monotonic at the last sample, ns
	Samples uint64 // samples taken
	MaxStep int64  // largest change between consecutive samples, ns
}

// Stats returns the current offset figures.
func (c *Converter) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Offset: c.offset, Samples: c.samples, MaxStep: c.maxStep}
}
