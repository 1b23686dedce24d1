package bpfengine

import (
	"fmt"
	"strings"

	"github.com/flowtap/flowtap/gen"
)

// Counters are the userspace side's figures of one run.
type Counters struct {
	Run           uint64 // packets run through the program
	NotRunShort   uint64 // frames shorter than an Ethernet header (BPF_PROG_RUN refuses them)
	NotRunBig     uint64 // frames BPF_PROG_RUN refused as larger than a page
	NotRunLink    uint64 // packets of another link type than the program was loaded for
	Punted        uint64 // packets the program punted, handled by the Go path
	KernelFlows   uint64 // flow directions the program created
	GoFlows       uint64 // flow directions the Go path created in the kernel map
	Ended         uint64 // flow directions taken out of the kernel map at their end
	RingWritten   uint64 // copies read from the ring buffer and written by pcapd
	GoExtracted   uint64 // packets pcapd extracted on the Go path
	ParseMismatch uint64 // packets the program and the Go parser saw differently
	TableMismatch uint64 // program results the flow table could not mirror
	RingMismatch  uint64 // ring records that did not describe their packet
	Errors        uint64 // kernel-side errors (the first is Stage.Err)
}

// Prefix starts every end-report line of the bpf engine; the lines have
// no T2 equivalent (report.Summary.Warnings).
const Prefix = "bpf engine: "

// puntName is the report name of an enum punt_reason.
func puntName(r gen.FlowtapPuntReason) string {
	switch r {
	case gen.FlowtapPuntReasonPUNT_LINK:
		return "link type"
	case gen.FlowtapPuntReasonPUNT_LLC:
		return "LLC"
	case gen.FlowtapPuntReasonPUNT_MPLS:
		return "MPLS"
	case gen.FlowtapPuntReasonPUNT_PPPOE:
		return "PPPoE"
	case gen.FlowtapPuntReasonPUNT_IPIP:
		return "IP-in-IP"
	case gen.FlowtapPuntReasonPUNT_GRE:
		return "GRE"
	case gen.FlowtapPuntReasonPUNT_VXLAN:
		return "VXLAN"
	case gen.FlowtapPuntReasonPUNT_GENEVE:
		return "GENEVE"
	case gen.FlowtapPuntReasonPUNT_TEREDO:
		return "Teredo"
	case gen.FlowtapPuntReasonPUNT_FLOW_FULL:
		return "table full, T2's eviction"
	case gen.FlowtapPuntReasonPUNT_BIG:
		return "big frame"
	}
	return fmt.Sprintf("reason %d", r)
}

// Lines returns the end-report lines for the kernel's counters k (indexed
// by gen.FlowtapCounterId, as loader ReadCounters returns them), the
// userspace counters c and the entries left in the flows and frags maps
// after the flush. Every line starts with "[INF] " or, when it shows a
// loss or a disagreement, "[WRN] ", then Prefix. The pcapd line checks
// "written + dropped = selected".
func Lines(k []uint64, c *Counters, leftFlows, leftFrags int) []string {
	get := func(id gen.FlowtapCounterId) uint64 {
		if int(id) < len(k) {
			return k[id]
		}
		return 0
	}
	var out []string
	add := func(bad bool, format string, args ...any) {
		tag := "[INF] "
		if bad {
			tag = "[WRN] "
		}
		out = append(out, tag+Prefix+fmt.Sprintf(format, args...))
	}
	add(get(gen.FlowtapCounterIdCNT_PACKETS) != c.Run,
		"%d packets run through xdp_flowtap with BPF_PROG_RUN (kernel count %d); %d not run: %d shorter than an Ethernet header, %d larger than a page, %d of another link type",
		c.Run, get(gen.FlowtapCounterIdCNT_PACKETS), c.NotRunShort+c.NotRunBig+c.NotRunLink, c.NotRunShort, c.NotRunBig, c.NotRunLink)
	add(false, "kernel: %d flow directions created, %d packets without flow, %d frames shorter than an Ethernet header, %d later fragments without their first, %d flow-map inserts refused, %d copies cut by the snap length, %d punted packets copied to the ring",
		get(gen.FlowtapCounterIdCNT_FLOWS_CREATED), get(gen.FlowtapCounterIdCNT_NO_FLOW), get(gen.FlowtapCounterIdCNT_ERR_PARSE_ETH),
		get(gen.FlowtapCounterIdCNT_FRAG_HEAD_MISSING), get(gen.FlowtapCounterIdCNT_ERR_FLOW_FULL),
		get(gen.FlowtapCounterIdCNT_SNAP_CUT), get(gen.FlowtapCounterIdCNT_PUNT_COPIED))
	add(false, "%d packets punted to the Go datapath%s; %d flow directions created there",
		c.Punted, puntList(get), c.GoFlows)
	sel, cop, drop := get(gen.FlowtapCounterIdCNT_DUMP_SELECTED), get(gen.FlowtapCounterIdCNT_DUMP_COPIED), get(gen.FlowtapCounterIdCNT_ERR_RB_RESERVE)
	ok := c.RingWritten+drop == sel && cop == c.RingWritten
	verdict := "holds"
	if !ok {
		verdict = "DOES NOT HOLD"
	}
	add(!ok || drop > 0,
		"pcapd: %d packets written + %d counted as dropped (ring buffer full) = %d packets selected by the kernel: %s; %d packets (%d bytes) copied to the ring; %d more extracted on the Go path",
		c.RingWritten, drop, sel, verdict, cop, get(gen.FlowtapCounterIdCNT_DUMP_BYTES), c.GoExtracted)
	errs := get(gen.FlowtapCounterIdCNT_ERR_FRAG_FULL) + get(gen.FlowtapCounterIdCNT_FRAG_STALE) + get(gen.FlowtapCounterIdCNT_FLOW_RACE) +
		get(gen.FlowtapCounterIdCNT_ERR_NO_META) + c.ParseMismatch + c.TableMismatch + c.RingMismatch + c.Errors + uint64(leftFlows+leftFrags)
	add(errs > 0,
		"checks: %d kernel/Go parse disagreements, %d results the flow table could not mirror, %d ring records out of step, %d kernel errors; kernel: %d fragment-table inserts refused, %d stale fragment entries, %d lost insert races, %d packets without metadata; %d flows and %d fragment entries left in the maps",
		c.ParseMismatch, c.TableMismatch, c.RingMismatch, c.Errors,
		get(gen.FlowtapCounterIdCNT_ERR_FRAG_FULL), get(gen.FlowtapCounterIdCNT_FRAG_STALE), get(gen.FlowtapCounterIdCNT_FLOW_RACE),
		get(gen.FlowtapCounterIdCNT_ERR_NO_META), leftFlows, leftFrags)
	return out
}

// puntList renders the kernel's punts by reason, e.g. " (MPLS 3, GRE 1)".
func puntList(get func(gen.FlowtapCounterId) uint64) string {
	var parts []string
	for r := gen.FlowtapPuntReasonPUNT_NONE + 1; r < gen.FlowtapPuntReasonPUNT_MAX; r++ {
		if n := get(gen.FlowtapCounterIdCNT_PUNT_BASE + gen.FlowtapCounterId(r)); n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", puntName(r), n))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
