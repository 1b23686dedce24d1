//go:build linux

package loader_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/flowtable"
	"github.com/flowtap/flowtap/userspace/loader"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// t2Defaults is the per-packet configuration of `t2` without options.
var t2Defaults = datapath.Config{FlowTimeoutNs: 182_000_000_000, TCPWinThres: 1, PDEq: true}

// load loads the program, or skips the test without privileges or kernel
// support (fails under CI=true).
func load(t testing.TB, opts loader.Options) *loader.Objects {
	t.Helper()
	testenv.RequirePrivileged(t)
	if opts.FlowCapacity == 0 {
		opts.FlowCapacity = 1 << 14
	}
	o, err := loader.Load(opts)
	if errors.Is(err, ebpf.ErrNotSupported) {
		testenv.Unavailable(t, fmt.Sprintf("kernel lacks a feature of xdp_flowtap: %v", err))
	}
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	t.Cleanup(func() {
		if err := o.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return o
}

// reference is the Go engine's per-packet path (engine.resolve and
// datapath.Update) over a flowtable without expiry: the behaviour the
// kernel program must reproduce.
type reference struct {
	cfg   datapath.Config
	table *flowtable.Table
	m     datapath.Meta
	keys  []flowtable.Key // flows created, in order
}

// refResult is what one packet did on the Go side.
type refResult struct {
	flow     *flowtable.Flow // nil for a packet without flow
	opp      *flowtable.Flow
	created  bool
	viaFrag  bool
	headless bool
	upd      datapath.Result
}

func newReference(cfg datapath.Config) *reference {
	return &reference{cfg: cfg, table: flowtable.New(1<<22, nil)}
}

// packet runs one Ethernet frame through the Go path. The parse result
// stays in r.m until the next call.
func (r *reference) packet(frame []byte, origLen uint32, ts uint64) refResult {
	m := &r.m
	datapath.Parse(m, frame, origLen, datapath.LinkEthernet)
	if m.NoFlow {
		return refResult{}
	}
	var res refResult
	if m.FragLater {
		res.flow = r.table.LookupFragment(m)
		res.viaFrag = res.flow != nil
		res.headless = res.flow == nil
	}
	if res.flow == nil {
		res.flow = r.table.Lookup(&m.Key)
		if res.flow == nil {
			res.flow = r.table.Create(m, ts, &r.cfg, func(a, b *flowtable.Flow) {
				panic("reference table evicted a flow")
			})
			res.created = true
			r.keys = append(r.keys, res.flow.Key)
		} else {
			r.table.Touch(res.flow)
		}
		if !m.L2Flow {
			r.table.TrackFragments(res.flow, m, res.headless)
		}
	}
	res.opp = r.table.Opposite(res.flow)
	var opp *datapath.State
	if res.opp != nil {
		opp = &res.opp.State
	}
	res.upd = datapath.Update(&res.flow.State, opp, m, ts, res.created, &r.cfg)
	return res
}

// expectedPunt is the punt reason the kernel must give a packet, judged
// from the Go parser's header stack: an encapsulation Go follows and the
// kernel leaves to it.
func expectedPunt(m *datapath.Meta) gen.FlowtapPuntReason {
	hd := m.Hdrs[:m.NHdrs]
	ips := 0
	for i, h := range hd {
		switch datapath.Hdr(h) {
		case datapath.HdrLLC:
			return gen.FlowtapPuntReasonPUNT_LLC
		case datapath.HdrMPLS:
			return gen.FlowtapPuntReasonPUNT_MPLS
		case datapath.HdrPPPoE:
			return gen.FlowtapPuntReasonPUNT_PPPOE
		case datapath.HdrVXLAN:
			return gen.FlowtapPuntReasonPUNT_VXLAN
		case datapath.HdrGENEVE:
			return gen.FlowtapPuntReasonPUNT_GENEVE
		case datapath.HdrTeredo:
			return gen.FlowtapPuntReasonPUNT_TEREDO
		case datapath.HdrGRE:
			if i < len(hd)-1 { // followed: something decoded behind it
				return gen.FlowtapPuntReasonPUNT_GRE
			}
		case datapath.HdrIPv4, datapath.HdrIPv6, datapath.HdrIPvX:
			if ips++; ips == 2 {
				return gen.FlowtapPuntReasonPUNT_IPIP
			}
		}
	}
	return gen.FlowtapPuntReasonPUNT_NONE
}

// diffStates lists the fields of two flow states that differ.
func diffStates(got, want *gen.FlowtapFlowState) []string {
	return diffStruct(reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem())
}

func diffStruct(g, w reflect.Value) []string {
	var out []string
	for i := 0; i < g.NumField(); i++ {
		name := g.Type().Field(i).Name
		if name == "_" {
			continue
		}
		a, b := g.Field(i).Interface(), w.Field(i).Interface()
		if !reflect.DeepEqual(a, b) {
			out = append(out, fmt.Sprintf("%s: kernel %v, go %v", name, a, b))
		}
	}
	return out
}

// checkResult compares the kernel's per-packet result with the Go path's.
func checkResult(k loader.Result, ref refResult, m *datapath.Meta) []string {
	var out []string
	add := func(name string, got, want any) {
		if !reflect.DeepEqual(got, want) {
			out = append(out, fmt.Sprintf("%s: kernel %v, go %v", name, got, want))
		}
	}
	add("verdict", k.Verdict, uint32(loader.XDPPass))
	add("pkt_status", fmt.Sprintf("%#x", k.PktStatus), fmt.Sprintf("%#x", m.Status))
	add("hdr_cnt", k.HdrCnt, m.HdrCnt)
	add("l4_proto", k.L4Proto, m.L4Proto)
	add("no_flow", k.NoFlow == 1, m.NoFlow)
	add("flow", k.Flow == 1, ref.flow != nil)
	if ref.flow == nil {
		return out
	}
	add("key", k.Key, ref.flow.Key)
	add("flow_ind", k.FlowInd, ref.flow.State.FlowInd)
	add("created", k.Created == 1, ref.created)
	add("opp", k.Opp == 1, ref.opp != nil)
	add("via_frag", k.ViaFrag == 1, ref.viaFrag)
	add("headless", k.Headless == 1, ref.headless)
	add("dump", k.Dump == 1, ref.upd.Dump)
	add("remove", k.Remove == 1, ref.upd.Remove)
	add("low_win", k.LowWin == 1, ref.upd.LowWin)
	add("tcp_count", k.TcpCount == 1, ref.upd.TCPCount)
	return out
}

// hdrDesc renders a packet's header stack for failure messages.
func hdrDesc(m *datapath.Meta) string {
	return string(datapath.AppendHdrDesc(nil, m.Hdrs[:m.NHdrs]))
}

// joinLimited joins at most n lines.
func joinLimited(lines []string, n int) string {
	if len(lines) > n {
		lines = append(lines[:n:n], fmt.Sprintf("... %d more", len(lines)-n))
	}
	return strings.Join(lines, "\n\t")
}
