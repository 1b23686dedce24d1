//go:build linux

package main

import (
	"fmt"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/engine"
	"github.com/flowtap/flowtap/userspace/flowtable"
	"github.com/flowtap/flowtap/userspace/loader"
)

// puntStage is the engine's flow stage for the packets the program punts
// live: the Go engine's own steps (flowtable.Resolve, datapath.Update),
// except that a new conversation takes its flowInd from the program's
// counter flow_ind_last, with an atomic add on the variable's shared
// memory, so kernel and Go flows never share a flowInd.
type puntStage struct {
	cfg  datapath.Config
	mem  []byte  // the mmapped data section holding flow_ind_last
	last *uint64 // flow_ind_last inside mem
}

// newPuntStage maps flow_ind_last of objs. cilium/ebpf hides pointers
// into map memory behind a build tag, so the section is mapped here the
// way libbpf skeletons do it: mmap of the BPF_F_MMAPABLE array.
func newPuntStage(objs *loader.Objects, cfg datapath.Config) (*puntStage, error) {
	spec, err := gen.LoadFlowtap()
	if err != nil {
		return nil, fmt.Errorf("load flowtap object spec: %w", err)
	}
	v, ok := spec.Variables["flow_ind_last"]
	if !ok || v.Offset%8 != 0 {
		return nil, fmt.Errorf("variable flow_ind_last: missing or misaligned in the object")
	}
	m, err := dataMap(objs.XdpFlowtap, v.SectionName)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	size := (int(m.ValueSize()) + unix.Getpagesize() - 1) &^ (unix.Getpagesize() - 1)
	if int(v.Offset)+8 > int(m.ValueSize()) {
		return nil, fmt.Errorf("variable flow_ind_last: offset %d outside map %s", v.Offset, v.SectionName)
	}
	mem, err := unix.Mmap(m.FD(), 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("map %s memory: %w", v.SectionName, err)
	}
	// The mapping is not Go heap memory: a pointer into it is stable.
	return &puntStage{cfg: cfg, mem: mem, last: (*uint64)(unsafe.Pointer(&mem[v.Offset]))}, nil
}

// dataMap opens the program's map for data section sec (".bss").
func dataMap(prog *ebpf.Program, sec string) (*ebpf.Map, error) {
	info, err := prog.Info()
	if err != nil {
		return nil, fmt.Errorf("read program info: %w", err)
	}
	ids, _ := info.MapIDs()
	for _, id := range ids {
		m, err := ebpf.NewMapFromID(id)
		if err != nil {
			continue
		}
		if mi, err := m.Info(); err == nil && m.Type() == ebpf.Array && strings.HasSuffix(mi.Name, sec) {
			return m, nil
		}
		m.Close()
	}
	return nil, fmt.Errorf("find the program's %s map: not among its %d maps", sec, len(ids))
}

// Close unmaps the variable.
func (s *puntStage) Close() error {
	if s.mem == nil {
		return nil
	}
	err := unix.Munmap(s.mem)
	s.mem, s.last = nil, nil
	return err
}

// Packet resolves and updates the punted packet's flow.
func (s *puntStage) Packet(t *flowtable.Table, pkt *capture.Packet, m *datapath.Meta, h uint32, emit flowtable.Emit) engine.Outcome {
	ts := uint64(pkt.TsNs)
	res := t.Resolve(m, ts, h, &s.cfg, emit)
	f := res.Flow
	opp := t.Opposite(f)
	if res.New && opp == nil {
		f.State.FlowInd = atomic.AddUint64(s.last, 1)
	}
	var oppState *datapath.State
	if opp != nil {
		oppState = &opp.State
	}
	iat := int64(ts - f.State.LastNs)
	r := datapath.Update(&f.State, oppState, m, ts, res.New, &s.cfg)
	return engine.Outcome{Flow: f, Fragment: res.Fragment, IATNs: iat, Result: r, Extract: pkt}
}

// Ending has nothing to do: the engine's table holds these flows' state.
func (s *puntStage) Ending(_, _ *flowtable.Flow) {}
