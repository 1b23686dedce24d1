// Package ktime turns the kernel's monotonic packet times
// (bpf_ktime_get_ns) into wall-clock time for the flows file and the
// pcapd output: it adds an offset CLOCK_REALTIME - CLOCK_MONOTONIC that it
// re-samples every interval (one second live), so a clock step reaches the
// outputs within that interval. Clocks are injected; the package keeps no
// global state and reads no kernel object.
package ktime
