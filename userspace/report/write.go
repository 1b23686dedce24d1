package report

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// flowStat bits the report itself tests (t2-semantics.md section 6).
const (
	statVLAN    = 1 << 8        // L2_VLAN
	statMPLS    = 1<<9 | 1<<10  // L2_MPLS_UCAST | L2_MPLS_MCAST
	statSCTP    = 1 << 24       // L4_SCTP
	statSnapped = 1<<32 | 1<<33 // L2SNAPLENGTH | L3SNAPLENGTH (T2's SNAPLENGTH)
)

// Separator lines, 80 characters each, and the pcap header sizes T2 adds to
// the processed bytes for "Percentage completed".
const (
	ruleEquals   = "================================================================================"
	ruleDashes   = "--------------------------------------------------------------------------------"
	ruleTildes   = "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"
	pcapHdrBytes = 24 // global header, once per file
	pcapRecBytes = 16 // record header, once per packet
)

// Write writes the end report of s to w, one line per T2 line, in T2 0.9.3's
// order and with its omission rules (t2-semantics.md section 8): counters
// that are zero are left out, rate and bandwidth lines need a positive dump
// duration, and the flow block needs at least one flow. The report is built
// in memory and written with one call.
func Write(w io.Writer, s *Summary) error {
	if s == nil {
		return errors.New("write end report: nil summary")
	}
	var b lines
	b.banner(s)
	b.input(s)
	b.packets(s)
	b.protocols(s)
	b.flows(s)
	b.tail(s)
	if _, err := io.WriteString(w, strings.Join(b, "\n")+"\n"); err != nil {
		return fmt.Errorf("write end report: %w", err)
	}
	return nil
}

// lines collects the report, one entry per line, without newlines.
type lines []string

func (b *lines) add(format string, args ...any) { *b = append(*b, fmt.Sprintf(format, args...)) }

// num adds "label: n" unless n is 0 (T2_FLOG_NUM).
func (b *lines) num(label string, n uint64) {
	if n > 0 {
		b.add("%s: %s", label, ShortNum(n))
	}
}

// numPct adds "label: n [p%]" unless n is 0 (T2_FLOG_NUMP).
func (b *lines) numPct(label string, n, total uint64) {
	if n > 0 {
		b.add("%s: %s %s", label, ShortNum(n), Pct(n, total))
	}
}

// dumpDuration returns the last minus the first packet time, split as T2's
// timeval, and in seconds as T2's rate lines use it.
func (s *Summary) dumpDuration() (sec, nsec int64, f float64) {
	sec, nsec = splitNs(s.LastPacketNs - s.FirstPacketNs)
	return sec, nsec, float64(sec) + float64(nsec)/1e9
}

// banner writes item 1: the program banner, the flow modes and the plugins.
func (b *lines) banner(s *Summary) {
	b.add("%s", ruleEquals)
	b.add("%s %s", s.Program, s.Version)
	b.add("%s", ruleEquals)
	b.add("%s", wallDate(s.Date))
	modes := ""
	if s.AlarmMode {
		modes += " [ALARM]"
	}
	if s.ForceMode {
		modes += " [FORCE]"
	}
	b.add("[INF] Creating flows for %s%s", s.FlowLayers, modes)
	if len(s.Plugins) > 0 {
		b.add("Active plugins:")
		for i, p := range s.Plugins {
			b.add("    %02d: %s, %s", i+1, p.Name, p.Version)
		}
	}
	*b = append(*b, s.InitLines...)
}

// input writes items 2 and 3: the source, the capture times and the
// processing times.
func (b *lines) input(s *Summary) {
	if s.Live {
		b.add("Live capture on interface: %s", s.Input)
	} else {
		b.add("Processing file: %s", s.Input)
	}
	b.add("Link layer type: %s [%s/%d]", s.LinkTypeDesc, s.LinkTypeName, s.LinkType)
	b.add("Snapshot length: %s", ShortNum(s.Snaplen))
	// T2 prints "Dump start" when it reads the first packet.
	if s.Packets > 0 {
		b.add("%s", logDate("Dump start: ", s.FirstPacketNs))
	}
	b.add("%s", logDate("Dump stop : ", s.LastPacketNs))
	sec, nsec, _ := s.dumpDuration()
	b.add("%s", logTime("Total dump duration: ", sec, nsec))
	b.add("%s", logDuration("Finished processing. Elapsed time: ", s.Elapsed))
	b.add("%s", logDuration("Finished unloading flow memory. Time: ", s.UnloadElapsed))
	switch {
	case s.Live:
		total := s.LiveReceived + s.LiveKernelDropped + s.LiveIfDropped
		b.numPct("Number of packets received", s.LiveReceived, total)
		b.numPct("Number of packets dropped by the kernel", s.LiveKernelDropped, total)
		b.numPct("Number of packets dropped by the interface", s.LiveIfDropped, total)
	case s.PcapFileSize > 0:
		// T2 multiplies in float (100.0f * uint64), then divides in double.
		read := float32(pcapHdrBytes + s.Bytes + pcapRecBytes*s.Packets)
		b.add("Percentage completed: %s%%", cFixed(float64(float32(100)*read)/float64(s.PcapFileSize), 2))
	}
}

// packets writes item 4: packet and byte counters and the A/B split.
func (b *lines) packets(s *Summary) {
	b.num("Number of processed packets", s.Packets)
	b.num("Number of processed bytes", s.Bytes)
	b.num("Number of raw bytes", s.RawBytes)
	b.num("Number of pad bytes", s.PadBytes)
	if !s.Live {
		b.num("Number of pcap bytes", s.PcapFileSize)
	}
	b.numPct("Number of L2 packets", s.L2Packets, s.Packets)
	b.numPct("Number of IPv4 packets", s.IPv4Packets, s.Packets)
	b.numPct("Number of IPv6 packets", s.IPv6Packets, s.Packets)
	b.numPct("Number of IPvX packets", s.IPvXPackets, s.Packets)
	ab := s.APackets + s.BPackets
	if ab > 0 && s.Packets > ab {
		b.numPct("Number of packets without flow", s.Packets-ab, s.Packets)
	}
	b.numPct("Number of A packets", s.APackets, ab)
	b.numPct("Number of B packets", s.BPackets, ab)
	b.numPct("Number of A bytes", s.ABytes, s.ABytes+s.BBytes)
	b.numPct("Number of B bytes", s.BBytes, s.ABytes+s.BBytes)
	b.add("<A packet load>: %s", floatNum(ratio(s.ABytes, s.APackets)))
	b.add("<B packet load>: %s", floatNum(ratio(s.BBytes, s.BPackets)))
}

// ratio is num/den in double, 0 when den is 0 (T2's packet loads).
func ratio(num, den uint64) float64 {
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}

// protocols writes the plugin block and item 6.
func (b *lines) protocols(s *Summary) {
	b.add("%s", ruleDashes)
	*b = append(*b, s.PluginLines...)
	b.add("%s", ruleDashes)
	h := &s.Headers
	b.add("Headers count: min: %d, max: %d, avg: %s", h.reportedMin(), h.Max, cFixed(float64(h.Mean), 2))
	if s.FlowStat&statVLAN != 0 {
		b.add("Max VLAN header count: %d", s.MaxVLANHeaders)
	}
	if s.FlowStat&statMPLS != 0 {
		b.add("Max MPLS header count: %d", s.MaxMPLSHeaders)
	}
	b.numPct("Number of LLC packets", s.LLCPackets, s.Packets)
	b.numPct("Number of ARP packets", s.ARPPackets, s.Packets)
	b.numPct("Number of RARP packets", s.RARPPackets, s.Packets)
	b.numPct("Number of GRE packets", s.GREPackets, s.Packets)
	b.numPct("Number of LAPD packets", s.LAPDPackets, s.Packets)
	b.numPct("Number of Teredo packets", s.TeredoPackets, s.Packets)
	b.numPct("Number of AYIYA packets", s.AYIYAPackets, s.Packets)
	b.numPct("Number of IGMP packets", s.IGMPPackets, s.Packets)
	b.numPct("Number of ICMP packets", s.ICMPPackets, s.Packets)
	b.numPct("Number of ICMPv6 packets", s.ICMPv6Packets, s.Packets)
	b.numPct("Number of TCP packets", s.TCPPackets, s.Packets)
	b.numPct("Number of TCP bytes", s.TCPBytes, s.Bytes)
	b.numPct("Number of UDP packets", s.UDPPackets, s.Packets)
	b.numPct("Number of UDP bytes", s.UDPBytes, s.Bytes)
	if s.FlowStat&statSCTP != 0 {
		b.numPct("Number of SCTP packets", s.SCTPPackets, s.Packets)
		b.numPct("Number of SCTP bytes", s.SCTPBytes, s.Bytes)
	}
	b.numPct("Number of DTLS packets", s.DTLSPackets, s.Packets)
	b.numPct("Number of IPv4 fragmented packets", s.IPv4FragPackets, s.IPv4Packets)
	b.numPct("Number of IPv6 fragmented packets", s.IPv6FragPackets, s.IPv6Packets)
}

// flows writes item 7: flow counters, asymmetries and per-flow and
// per-second packet figures.
func (b *lines) flows(s *Summary) {
	b.add("%s", ruleTildes)
	total := s.AFlows + s.BFlows
	ab := s.APackets + s.BPackets
	if total > 0 {
		// T2 computes request/reply in double; a negative request count
		// (more corrected replies than A flows) fails its "> 0" test.
		req := float64(s.AFlows) - float64(s.CorrReplFlows)
		rep := float64(s.BFlows) + float64(s.CorrReplFlows)
		b.num("Number of processed      flows", total)
		b.numPct("Number of processed L2   flows", s.L2Flows, total)
		b.numPct("Number of processed IPv4 flows", s.IPv4Flows, total)
		b.numPct("Number of processed IPv6 flows", s.IPv6Flows, total)
		b.numPct("Number of processed A    flows", s.AFlows, total)
		b.numPct("Number of processed B    flows", s.BFlows, total)
		b.numPct("Number of request        flows", truncU64(req), total)
		b.numPct("Number of reply          flows", truncU64(rep), total)
		t := float64(total)
		b.add("Total   A/B    flow asymmetry: %s", cFixed((float64(s.AFlows)-float64(s.BFlows))/t, 2))
		b.add("Total req/rply flow asymmetry: %s", cFixed((req-rep)/t, 2))
		if ab > 0 {
			b.add("Number of processed A+B packets/A+B flows: %s", floatNum(float64(ab)/t))
		}
		if s.AFlows > 0 {
			b.add("Number of processed A   packets/A   flows: %s", floatNum(ratio(s.APackets, s.AFlows)))
		}
		if s.BFlows > 0 {
			b.add("Number of processed   B packets/  B flows: %s", floatNum(ratio(s.BPackets, s.BFlows)))
		}
	}
	_, _, f := s.dumpDuration()
	if f > 0 {
		b.add("Number of processed total packets/s: %s", floatNum(float64(s.Packets)/f))
		if ab > 0 {
			b.add("Number of processed A+B   packets/s: %s", floatNum(float64(ab)/f))
			if s.APackets > 0 {
				b.add("Number of processed A     packets/s: %s", floatNum(float64(s.APackets)/f))
			}
			if s.BPackets > 0 {
				b.add("Number of processed   B   packets/s: %s", floatNum(float64(s.BPackets)/f))
			}
		}
	}
}

// tail writes items 8 to 11 and flowtap's own warnings.
func (b *lines) tail(s *Summary) {
	b.add("%s", ruleTildes)
	total := s.AFlows + s.BFlows
	if _, _, f := s.dumpDuration(); f > 0 {
		b.add("<Number of processed flows/s>: %s", floatNum(float64(total)/f))
		// T2_LOG_SPEED gets bytes per second and multiplies by 8 itself.
		b.add("<Bandwidth>: %s", ShortRate(float64(s.WireBytes)/f*8.0))
		if s.FlowStat&statSnapped != 0 {
			b.add("<Snapped bandwidth>: %s", ShortRate(float64(s.Bytes)/f*8.0))
		}
		b.add("<Raw bandwidth>: %s", ShortRate(float64(s.RawBytes)/f*8.0))
	}
	if s.FlowTableSize > 0 {
		b.numPct("Max number of flows in memory", s.MaxFlowsInMemory, s.FlowTableSize)
	}
	b.numPct("Number of flows terminated by autopilot", s.AutopilotFlows, total)
	rss := float64(s.PeakRSSKiB)
	b.add("Memory usage: %s GB [%s%%]", cFixed(rss/1000000.0, 2), pctUnguarded(rss*1000.0, float64(s.MemTotal)))
	b.add("Aggregated flowStat=0x%016x", s.FlowStat)
	if s.Alarms > 0 {
		b.add("[WRN] %s alarms in %s flows [%s%%]", ShortNum(s.Alarms), ShortNum(s.AlarmFlows),
			pctUnguarded(float64(s.AlarmFlows), float64(total)))
	}
	if s.ForcedFlows > 0 {
		b.add("[WRN] Number of flows terminated by force mode: %s [%s%%]", ShortNum(s.ForcedFlows),
			pctUnguarded(float64(s.ForcedFlows), float64(total)))
	}
	*b = append(*b, s.DecodeLines...)
	*b = append(*b, s.Warnings...)
}
