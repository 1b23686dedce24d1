package engine

import (
	"fmt"

	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
)

// Anomaly counts one kind of input problem and remembers where it first
// appeared, so the report can name the position once instead of logging
// every packet.
type Anomaly struct {
	Count       uint64
	FirstRecord uint64 // 1-based record number in the capture
	FirstOffset int64  // byte offset of that record
	Detail      string // what the first occurrence looked like
}

func (a *Anomaly) note(pkt *capture.Packet, detail func() string) {
	if a.Count == 0 {
		a.FirstRecord, a.FirstOffset, a.Detail = pkt.Record, pkt.Offset, detail()
	}
	a.Count++
}

// Anomalies are the input problems of a run.
type Anomalies struct {
	UnknownLink Anomaly // records of a link type flowtap cannot decode
	Snapped     Anomaly // packets cut short by the snap length below their IP length
	NoFlow      Anomaly // other packets that belong to no flow (malformed, unsupported)
	EmptyRecord Anomaly // records with no captured byte
}

// checkAnomalies classifies a parsed packet's problems.
func (e *Engine) checkAnomalies(pkt *capture.Packet, m *datapath.Meta) {
	a := &e.stats.Anomalies
	if !knownLinkType(pkt.LinkType) {
		a.UnknownLink.note(pkt, func() string { return fmt.Sprintf("link type %d is not supported", pkt.LinkType) })
		return
	}
	if m.Status&(datapath.StatL3SnapLen|datapath.StatL2SnapLen) != 0 {
		a.Snapped.note(pkt, func() string {
			return fmt.Sprintf("captured %d of %d bytes", pkt.CapLen, pkt.OrigLen)
		})
	}
	if m.NoFlow {
		a.NoFlow.note(pkt, func() string { return fmt.Sprintf("flowStat bits 0x%016x", m.Status) })
	}
}

func knownLinkType(lt uint32) bool {
	switch lt {
	case datapath.LinkEthernet, datapath.LinkNull, datapath.LinkLoop, datapath.LinkRaw, datapath.LinkRawOld,
		datapath.LinkRawAlt, datapath.LinkIPv4, datapath.LinkIPv6, datapath.LinkSLL, datapath.LinkSLL2, datapath.LinkNFLOG:
		return true
	}
	return false
}

// Lines returns one report line per kind of problem seen, naming the input
// and the first position, e.g. "[WRN] x.pcap: 3 packets cut short by the
// snap length, first record 17 at offset 2280 (captured 68 of 1514 bytes)".
func (a *Anomalies) Lines(input string) []string {
	var out []string
	add := func(x *Anomaly, what string) {
		if x.Count == 0 {
			return
		}
		out = append(out, fmt.Sprintf("[WRN] %s: %d %s, first record %d at offset %d (%s)",
			input, x.Count, what, x.FirstRecord, x.FirstOffset, x.Detail))
	}
	add(&a.UnknownLink, "packets of an unsupported link type, counted without flow")
	add(&a.Snapped, "packets cut short by the snap length")
	add(&a.NoFlow, "packets without flow")
	add(&a.EmptyRecord, "records without captured bytes")
	return out
}
