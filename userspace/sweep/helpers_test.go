package sweep

import (
	"errors"
	"io"
	"log/slog"
	"slices"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/flowtable"
)

// fakeMap is a MapSource over a Go map. fresh, when set, replaces a
// state between the snapshot and the re-read (a packet arriving
// meanwhile); appear adds entries at that moment.
type fakeMap struct {
	m        map[flowtable.Key]datapath.State
	order    []flowtable.Key // snapshot order: insertion order
	fresh    map[flowtable.Key]datapath.State
	appear   map[flowtable.Key]datapath.State
	fragDels []flowtable.Key
	fail     error
}

func newFakeMap() *fakeMap {
	return &fakeMap{m: make(map[flowtable.Key]datapath.State)}
}

func (f *fakeMap) put(k flowtable.Key, st datapath.State) {
	if _, ok := f.m[k]; !ok {
		f.order = append(f.order, k)
	}
	f.m[k] = st
}

func (f *fakeMap) Snapshot(dst []Entry) ([]Entry, error) {
	if f.fail != nil {
		return dst, f.fail
	}
	for _, k := range f.order {
		if st, ok := f.m[k]; ok {
			dst = append(dst, Entry{Key: k, State: st})
		}
	}
	// What happens after the snapshot, before the sweeper re-reads.
	for k, st := range f.fresh {
		f.m[k] = st
	}
	for k, st := range f.appear {
		f.put(k, st)
	}
	f.fresh, f.appear = nil, nil
	return dst, nil
}

func (f *fakeMap) Lookup(k *flowtable.Key, st *datapath.State) (bool, error) {
	v, ok := f.m[*k]
	if ok {
		*st = v
	}
	return ok, nil
}

func (f *fakeMap) LookupAndDelete(k *flowtable.Key, st *datapath.State) (bool, error) {
	v, ok := f.m[*k]
	if !ok {
		return false, nil
	}
	*st = v
	delete(f.m, *k)
	f.order = slices.DeleteFunc(f.order, func(x flowtable.Key) bool { return x == *k })
	return true, nil
}

func (f *fakeMap) DeleteFragment(k *flowtable.Key) error {
	f.fragDels = append(f.fragDels, *k)
	return nil
}

// fixedClock is a Clock at now with a constant wall-clock offset.
type fixedClock struct {
	now    uint64
	offset int64
}

func (c *fixedClock) Now() uint64            { return c.now }
func (c *fixedClock) Wall(mono uint64) int64 { return int64(mono) + c.offset }

// emitted is one pair as Emit received it.
type emitted struct {
	a, b   flowtable.Flow
	hasB   bool
	single bool
}

type collector struct{ got []emitted }

func (c *collector) emit(a, b *flowtable.Flow) {
	e := emitted{a: flowtable.Flow{Key: a.Key, State: a.State}}
	if b != nil {
		e.b, e.hasB = flowtable.Flow{Key: b.Key, State: b.State}, true
	}
	c.got = append(c.got, e)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

var errMap = errors.New("map read failed")

// key returns a distinct IPv4 UDP key for tests that need no packets.
func key(n byte, sport, dport uint16) flowtable.Key {
	var k flowtable.Key
	k.SrcIp[0], k.SrcIp[3] = 10, n
	k.DstIp[0], k.DstIp[3] = 10, 200
	k.SrcPort, k.DstPort, k.L4Proto, k.EthType = sport, dport, datapath.ProtoUDP, 0x0800
	return k
}

// state returns an IPv4 direction last active at last with a timeout.
func state(ind, last, timeout uint64, status uint64) datapath.State {
	return datapath.State{FlowInd: ind, FirstNs: 1, LastNs: last, TimeoutNs: timeout, Status: status | datapath.StatIPv4, Pkts: 1, CapBytes: 60}
}
