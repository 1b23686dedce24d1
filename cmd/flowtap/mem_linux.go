//go:build linux

package main

import "syscall"

// memoryFigures returns the peak RSS in KiB and the physical memory size.
func memoryFigures() (peakKiB, total uint64) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		peakKiB = uint64(ru.Maxrss)
	}
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) == nil {
		total = uint64(si.Totalram) * uint64(si.Unit)
	}
	return peakKiB, total
}
