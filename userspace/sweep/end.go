package sweep

import (
	"fmt"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/flowtable"
)

// end removes and writes pair p; it returns false when the pair turned
// out to be active again, or gone, by the time it was removed.
func (s *Sweeper) end(p pair, now uint64, all bool, offset int64) (bool, error) {
	var fa, fb flowtable.Flow
	fa.Key = s.snap[p.a].Key
	if p.b >= 0 {
		fb.Key = s.snap[p.b].Key
	} else {
		fb.Key = Reverse(&fa.Key, &s.snap[p.a].State)
	}
	hasB := p.b >= 0
	if !all {
		// The snapshot is a moment old: re-read both directions (the
		// opposite may even have been created since) and decide again.
		okA, err := s.src.Lookup(&fa.Key, &fa.State)
		if err != nil {
			return false, lookupErr(err, &fa.Key)
		}
		if !okA {
			s.stats.Vanished++
			return false, nil
		}
		if hasB = fb.Key != fa.Key; hasB {
			if hasB, err = s.src.Lookup(&fb.Key, &fb.State); err != nil {
				return false, lookupErr(err, &fb.Key)
			}
		}
		if !Ends(now, &fa.State, opt(hasB, &fb.State)) {
			s.stats.Revived++
			return false, nil
		}
	}
	okA, err := s.remove(&fa)
	if err != nil {
		return false, err
	}
	okB := false
	if hasB {
		if okB, err = s.remove(&fb); err != nil {
			return false, err
		}
	}
	switch {
	case okA && okB:
		s.write(&fa, &fb, offset)
	case okA:
		s.write(&fa, nil, offset)
	case okB:
		s.write(&fb, nil, offset)
	default:
		s.stats.Vanished++
		return false, nil
	}
	return true, nil
}

func opt(ok bool, st *datapath.State) *datapath.State {
	if ok {
		return st
	}
	return nil
}

func lookupErr(err error, k *flowtable.Key) error {
	return fmt.Errorf("look up flow %s: %w", keyString(k), err)
}

// remove deletes f.Key from the map, leaving its final state in f, and
// drops a datagram the flow still waited for from the fragment table.
func (s *Sweeper) remove(f *flowtable.Flow) (bool, error) {
	ok, err := s.src.LookupAndDelete(&f.Key, &f.State)
	if err != nil {
		return false, fmt.Errorf("remove flow %s: %w", keyString(&f.Key), err)
	}
	if !ok {
		return false, nil
	}
	if f.State.Status&datapath.StatFragPending != 0 {
		fk := f.Key
		fk.SrcPort, fk.DstPort = uint16(f.State.FragId>>16), uint16(f.State.FragId)
		if err := s.src.DeleteFragment(&fk); err != nil {
			return true, fmt.Errorf("remove fragment entry of flow %s: %w", keyString(&f.Key), err)
		}
		s.stats.FragPendingExpired++
		s.stats.Global |= datapath.StatFragPending
	}
	return true, nil
}

// write converts the pair's times, orders it A first and emits it.
func (s *Sweeper) write(x, y *flowtable.Flow, offset int64) {
	for _, f := range []*flowtable.Flow{x, y} {
		if f != nil {
			f.State.FirstNs = uint64(int64(f.State.FirstNs) + offset)
			f.State.LastNs = uint64(int64(f.State.LastNs) + offset)
		}
	}
	if y != nil && x.State.Status&datapath.StatInvert != 0 {
		x, y = y, x
	}
	s.stats.count(x, y)
	s.emit(x, y)
}

func keyString(k *flowtable.Key) string {
	return fmt.Sprintf("%x:%d>%x:%d/%d", k.SrcIp, k.SrcPort, k.DstIp, k.DstPort, k.L4Proto)
}
