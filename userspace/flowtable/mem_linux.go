//go:build linux

package flowtable

import "golang.org/x/sys/unix"

// allocRaw returns size bytes of zeroed memory outside the Go heap and a
// function that frees it. The table's arrays hold no pointers, so the
// garbage collector need not see them. Pages are faulted in on first use
// (MAP_NORESERVE: an unused capacity costs no memory) and backed by huge
// pages where the kernel allows it, which keeps the TLB from missing on
// every random flow access of a large table. It falls back to the Go
// heap if the mapping fails.
func allocRaw(size int) ([]byte, func()) {
	if size == 0 {
		return nil, func() {}
	}
	b, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return make([]byte, size), func() {}
	}
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE) // best effort: THP may be off
	return b, func() { _ = unix.Munmap(b) }
}

func canPrefault() bool { return true }

// prefault faults in b's pages for writing without writing to them.
func prefault(b []byte) error { return unix.Madvise(b, unix.MADV_POPULATE_WRITE) }
