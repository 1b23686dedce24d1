//go:build linux

package sweep

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/flowtable"
)

// batchLen is the number of entries one BPF_MAP_LOOKUP_BATCH call reads.
const batchLen = 4096

// Kernel is the loaded program's flows and frags maps as a MapSource.
type Kernel struct {
	flows, frags *ebpf.Map
	keys         []flowtable.Key
	vals         []datapath.State
	noBatch      bool // the kernel refused batch lookups: iterate
}

// NewKernel returns a MapSource of the maps flows and frags.
func NewKernel(flows, frags *ebpf.Map) *Kernel {
	return &Kernel{flows: flows, frags: frags}
}

// Snapshot reads the whole map, in batches where the kernel supports it.
// Entries inserted or removed meanwhile may be missed; the sweeper
// re-reads what it is about to remove.
func (k *Kernel) Snapshot(dst []Entry) ([]Entry, error) {
	if !k.noBatch {
		out, err := k.batch(dst)
		if !errors.Is(err, ebpf.ErrNotSupported) {
			return out, err
		}
		k.noBatch = true
	}
	var e Entry
	it := k.flows.Iterate()
	for it.Next(&e.Key, &e.State) {
		dst = append(dst, e)
	}
	if err := it.Err(); err != nil {
		return dst, fmt.Errorf("iterate map flows: %w", err)
	}
	return dst, nil
}

func (k *Kernel) batch(dst []Entry) ([]Entry, error) {
	if k.keys == nil {
		k.keys = make([]flowtable.Key, batchLen)
		k.vals = make([]datapath.State, batchLen)
	}
	var cursor ebpf.MapBatchCursor
	start := len(dst)
	for {
		n, err := k.flows.BatchLookup(&cursor, k.keys, k.vals, nil)
		for i := range n {
			dst = append(dst, Entry{Key: k.keys[i], State: k.vals[i]})
		}
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return dst, nil
		}
		if err != nil {
			return dst[:start], fmt.Errorf("batch lookup map flows: %w", err)
		}
	}
}

// Lookup reads the state of key.
func (k *Kernel) Lookup(key *flowtable.Key, st *datapath.State) (bool, error) {
	err := k.flows.Lookup(key, st)
	if errors.Is(err, ebpf.ErrKeyNotExist) {
		return false, nil
	}
	return err == nil, err
}

// LookupAndDelete removes key, returning its state at removal.
func (k *Kernel) LookupAndDelete(key *flowtable.Key, st *datapath.State) (bool, error) {
	err := k.flows.LookupAndDelete(key, st)
	if errors.Is(err, ebpf.ErrKeyNotExist) {
		return false, nil
	}
	return err == nil, err
}

// DeleteFragment removes a fragment-table entry if present.
func (k *Kernel) DeleteFragment(key *flowtable.Key) error {
	err := k.frags.Delete(key)
	if err == nil || errors.Is(err, ebpf.ErrKeyNotExist) {
		return nil
	}
	return err
}
