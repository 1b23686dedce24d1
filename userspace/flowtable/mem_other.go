//go:build !linux

package flowtable

// allocRaw returns size bytes of zeroed memory from the Go heap.
func allocRaw(size int) ([]byte, func()) { return make([]byte, size), func() {} }

func canPrefault() bool { return false }

func prefault([]byte) error { return nil }
