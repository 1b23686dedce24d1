package flowtable

import (
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// resident reports whether every page of b is in memory.
func resident(t *testing.T, b []byte) bool {
	t.Helper()
	page := uintptr(unix.Getpagesize())
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := start &^ (page - 1) // mincore wants a page-aligned address
	n := start + uintptr(len(b)) - lo
	vec := make([]byte, (n+page-1)/page)
	_, _, errno := unix.Syscall(unix.SYS_MINCORE, lo, n, uintptr(unsafe.Pointer(unsafe.SliceData(vec))))
	if errno != 0 {
		t.Fatalf("mincore: %v", errno)
	}
	for _, v := range vec {
		if v&1 == 0 {
			return false
		}
	}
	return true
}

// TestPrefaulterStaysAhead checks that the flow array's pages are faulted
// in ahead of the slots handed out, and only ahead: the first chunks at
// once, the next one as slots approach them, the rest of a large table
// not at all.
func TestPrefaulterStaysAhead(t *testing.T) {
	tab := New(200_000, []uint64{1})
	if tab.pf == nil {
		t.Fatal("no prefaulter on linux")
	}
	mem := tab.pf.mem
	chunk := func(i int) []byte { return mem[i*prefaultChunk : (i+1)*prefaultChunk] }
	waitResident := func(b []byte, what string) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !resident(t, b); {
			if time.Now().After(deadline) {
				t.Fatalf("%s not faulted in after 5 s", what)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitResident(mem[:2*prefaultChunk], "the first two chunks")
	if resident(t, chunk(3)) || resident(t, mem[len(mem)-prefaultChunk:]) {
		t.Fatal("chunks far ahead of the slots in use are already faulted in")
	}
	// Hand out slots up to the start of the second chunk: the third is asked for.
	perChunk := int32(prefaultChunk / unsafe.Sizeof(Flow{}))
	for tab.n <= perChunk+1 {
		tab.alloc()
	}
	waitResident(chunk(2), "the third chunk")
	if resident(t, chunk(4)) {
		t.Fatal("the fifth chunk is faulted in with slots only in the second")
	}
}
