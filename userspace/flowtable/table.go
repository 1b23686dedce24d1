package flowtable

import (
	"runtime"
	"unsafe"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/userspace/datapath"
)

// Key is a directional T2 flow key.
type Key = gen.FlowtapFlowKey

// DefaultCapacity is T2's default flow table size in flow directions.
const DefaultCapacity = 262144

// Flow is one live flow direction. Pointers to it stay valid until the
// flow is removed. It is exactly the shared key and state: 320 bytes,
// five cache lines in slots aligned to 64 bytes, of which an ordinary
// packet touches the first four (bpf/types.h orders the state for that).
// The table's own bookkeeping of a slot lives in its link.
type Flow struct {
	Key   Key
	State datapath.State
}

// flowSize is the size of a Flow; the expression below stops the build
// when the C structs change it.
const flowSize = 320

var _ = [1]struct{}{}[unsafe.Sizeof(Flow{})-flowSize]

// link is a slot's bookkeeping: its LRU neighbours, copies of the two
// times the expiry walks compare, and its pairing and index hash. The
// links live apart from the flows so that moving a flow to the front
// touches small entries (two per cache line) instead of whole flows.
type link struct {
	prev    int32  // towards the newest flow
	next    int32  // towards the oldest flow
	last    uint64 // the flow's State.LastNs, kept here for the expiry walks
	timeout uint64 // the flow's State.TimeoutNs, likewise
	opp     int32  // slot of the opposite direction, -1 none, flushed
	hash    uint32 // index hash of the flow's Key
}

// flushed in link.opp marks the opposite of a pair Flush already wrote.
const flushed = -2

var _ = [1]struct{}{}[unsafe.Sizeof(link{})-32]

// sentinel is a T2 timeout handler: an LRU marker that remembers up to
// where flows were checked against its timeout.
type sentinel struct {
	slot    int32
	timeout uint64
	// notBefore caches prev.LastNs + timeout: no walk can do anything
	// before then while the list stays ordered by last activity.
	notBefore uint64
}

// Emit receives an ended flow: a is written first (as A), b second (as B)
// or is nil for a flow without opposite. Flows are removed after it returns.
type Emit func(a, b *Flow)

// Counters are the flow figures of the end report.
type Counters struct {
	AFlows, BFlows     uint64 // created without / with an existing opposite
	L2, IPv4, IPv6     uint64 // flows created per kind
	CorrReplFlows      uint64 // inverted singletons written (request/reply split)
	MaxLive            uint64 // peak live flow directions
	Evicted            uint64 // removed because the table was full
	FragHeadMissing    uint64 // later fragments whose first fragment was not seen
	FragPendingExpired uint64 // flows that ended with a fragment pending
	GlobalStatus       uint64 // bits T2 sets only in its global register
}

// Table is the flow table. It is not safe for concurrent use.
type Table struct {
	idx      index
	frags    map[Key]int32 // flow key with ports replaced by the fragment ID
	nodes    []Flow        // slots 0 head, 1 tail, then sentinels, then flows
	pf       *prefaulter   // faults nodes' pages in ahead of t.n (nil: off)
	lru      []link        // by slot
	n        int32         // slots in use (high-water mark)
	free     []int32
	sentinel []sentinel // timeout handlers, biggest timeout first
	nMarkers int32      // slots below this are head, tail and sentinels
	maxNow   uint64     // newest packet time seen by Expire
	stale    bool       // the previous packet was older than maxNow
	// nextCheck is the smallest sentinel bound (notBefore): before it, an
	// in-order packet has nothing to expire. 0 forces the walks.
	nextCheck uint64
	capacity  int
	live      int
	flowInd   uint64
	c         Counters
}

const (
	head = 0
	tail = 1
)

// New returns a table for at most capacity live flow directions that
// watches the given timeouts (nanoseconds; duplicates are ignored).
func New(capacity int, timeouts []uint64) *Table {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	tos := sortedUnique(timeouts)
	t := &Table{
		idx:      newIndex(capacity),
		frags:    make(map[Key]int32),
		capacity: capacity,
	}
	// Every array is sized for the capacity once: slots never move, and
	// pages are only touched as flows arrive.
	slots := capacity + 2 + len(tos)
	var freeNodes, freeLRU func()
	t.nodes, freeNodes = allocSlice[Flow](slots)
	t.lru, freeLRU = allocSlice[link](slots)
	freeIdx := t.idx.free
	var stopPF func()
	t.pf, stopPF = newPrefaulter(t.nodes)
	runtime.AddCleanup(t, func(struct{}) { stopPF(); freeNodes(); freeLRU(); freeIdx() }, struct{}{})
	h := t.alloc()
	tl := t.alloc()
	t.lru[h] = link{prev: -1, next: tl}
	t.lru[tl] = link{prev: h, next: -1}
	for _, to := range tos {
		i := t.alloc()
		t.linkBefore(i, tail) // T2 places each new sentinel in front of the tail
		t.sentinel = append(t.sentinel, sentinel{slot: i, timeout: to})
	}
	t.nMarkers = t.n
	return t
}

func sortedUnique(v []uint64) []uint64 {
	out := make([]uint64, 0, len(v))
	for _, x := range v {
		dup := false
		for _, y := range out {
			dup = dup || x == y
		}
		if !dup {
			out = append(out, x)
		}
	}
	// T2 orders its timeout handlers biggest first.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] > out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Counters returns the flow counters so far.
func (t *Table) Counters() Counters { return t.c }

// Live returns the number of live flow directions.
func (t *Table) Live() int { return t.live }

// Capacity returns the table size in flow directions.
func (t *Table) Capacity() int { return t.capacity }

// Opposite returns the opposite direction of f, or nil.
func (t *Table) Opposite(f *Flow) *Flow {
	if o := t.lru[t.slot(f)].opp; o >= 0 {
		return t.node(o)
	}
	return nil
}

func (t *Table) node(i int32) *Flow { return &t.nodes[i] }

// slot returns the slot of f, which must be one of the table's flows.
func (t *Table) slot(f *Flow) int32 {
	off := uintptr(unsafe.Pointer(f)) - uintptr(unsafe.Pointer(unsafe.SliceData(t.nodes)))
	i := off / flowSize
	if i >= uintptr(len(t.nodes)) || off%flowSize != 0 {
		panic("flowtable: flow not in this table")
	}
	return int32(i)
}

// alloc returns a free slot. Create evicts before the table exceeds its
// capacity, so the preallocated arrays never run out.
func (t *Table) alloc() int32 {
	if n := len(t.free); n > 0 {
		i := t.free[n-1]
		t.free = t.free[:n-1]
		return i
	}
	i := t.n
	t.n++
	t.pf.allocated(i)
	return i
}

// Lookup returns the live flow with key k, or nil.
func (t *Table) Lookup(k *Key) *Flow {
	if i := t.find(k, t.idx.hash(k)); i >= 0 {
		return t.node(i)
	}
	return nil
}

// Touch moves f to the newest end of the LRU list (T2 updateLRUList).
func (t *Table) Touch(f *Flow) {
	i := t.slot(f)
	if t.lru[head].next == i {
		return
	}
	t.unlink(i)
	t.linkAfter(i, head)
}

func (t *Table) unlink(i int32) {
	n := t.lru[i]
	if n.next > tail && n.next < t.nMarkers {
		// i may be the flow the cached bounds of the sentinels parked
		// behind it were taken from; the flow that takes its place can be
		// older (fragments update a flow without moving it), so the
		// bounds must go. Several sentinels can be stacked there.
		t.distrustBounds()
	}
	t.lru[n.prev].next = n.next
	t.lru[n.next].prev = n.prev
}

// linkAfter inserts node i right after node at (towards older flows).
func (t *Table) linkAfter(i, at int32) {
	nx := t.lru[at].next
	t.lru[i].prev, t.lru[i].next = at, nx
	t.lru[nx].prev = i
	t.lru[at].next = i
}

// linkBefore inserts node i right before node at (towards newer flows).
func (t *Table) linkBefore(i, at int32) {
	t.linkAfter(i, t.lru[at].prev)
}

// Hash returns the index hash of k, for LookupHashed and Prefetch.
func (t *Table) Hash(k *Key) uint32 { return t.idx.hash(k) }

// LookupHashed is Lookup with the key's hash already computed.
func (t *Table) LookupHashed(k *Key, h uint32) *Flow {
	if i := t.find(k, h); i >= 0 {
		return t.node(i)
	}
	return nil
}

// Seen records f's last activity and timeout, and its opposite's timeout,
// after a packet updated them; the expiry walks read them from the
// compact LRU array instead of the flows.
func (t *Table) Seen(f *Flow) {
	l := &t.lru[t.slot(f)]
	l.last, l.timeout = f.State.LastNs, f.State.TimeoutNs
	if o := l.opp; o >= 0 {
		t.lru[o].timeout = t.node(o).State.TimeoutNs
	}
}

// SeenSelf is Seen for a packet that left the opposite direction's
// timeout alone (datapath.Result.OppState false): it spares reading the
// opposite's state.
func (t *Table) SeenSelf(f *Flow) {
	l := &t.lru[t.slot(f)]
	l.last, l.timeout = f.State.LastNs, f.State.TimeoutNs
}
