// Package pcapd writes the packets pcapd selected (FL_ALARM flows, from the
// triggering packet on; t2-semantics.md 7.5) to PREFIX_pcapd.pcap, a
// nanosecond pcap. Selection is per packet in userspace/datapath; this
// package owns the output file and the report line.
package pcapd

import (
	"fmt"

	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/report"
)

// LinkTypeEthernet is DLT_EN10MB, which T2 always writes.
const LinkTypeEthernet = 1

// Plugin writes the extraction file. The file is created lazily on the
// first packet so that it carries the input's link type; Close always
// leaves a valid file, 24 bytes when nothing was extracted.
type Plugin struct {
	path     string
	snaplen  uint32
	linkType uint32
	forceEth bool // T2 compatibility: always write DLT_EN10MB
	w        *capture.Writer
	mismatch uint64 // packets whose link type differs from the file's
}

// New returns pcapd writing to prefix + "_pcapd.pcap". With forceEth the
// file header says Ethernet whatever the input is, as T2 does.
func New(prefix string, forceEth bool) *Plugin {
	return &Plugin{path: prefix + "_pcapd.pcap", forceEth: forceEth}
}

// Name returns the plugin name.
func (p *Plugin) Name() string { return "pcapd" }

// Path returns the output file name.
func (p *Plugin) Path() string { return p.path }

// Columns returns nothing: pcapd adds no column.
func (p *Plugin) Columns() []api.Column { return nil }

// AppendColumns appends nothing.
func (p *Plugin) AppendColumns(b []byte, _ *api.Flow) []byte { return b }

func (p *Plugin) open(linkType, snaplen uint32) error {
	if p.forceEth {
		linkType = LinkTypeEthernet
	}
	if snaplen == 0 {
		snaplen = 262144
	}
	w, err := capture.Create(p.path, linkType, snaplen)
	if err != nil {
		return fmt.Errorf("pcapd: %w", err)
	}
	p.w, p.linkType, p.snaplen = w, linkType, snaplen
	return nil
}

// WritePacket writes one selected packet unchanged.
func (p *Plugin) WritePacket(pkt *capture.Packet, snaplen uint32) error {
	if p.w == nil {
		if err := p.open(pkt.LinkType, snaplen); err != nil {
			return err
		}
	}
	if !p.forceEth && pkt.LinkType != p.linkType {
		p.mismatch++
	}
	return p.w.WritePacket(pkt.TsNs, pkt.CapLen, pkt.OrigLen, pkt.Data)
}

// Packets returns the number of packets written.
func (p *Plugin) Packets() uint64 {
	if p.w == nil {
		return 0
	}
	return p.w.Packets()
}

// Mismatched returns how many packets had another link type than the file.
func (p *Plugin) Mismatched() uint64 { return p.mismatch }

// Close finishes the file, creating an empty one if nothing was written.
func (p *Plugin) Close(linkType, snaplen uint32) error {
	if p.w == nil {
		if err := p.open(linkType, snaplen); err != nil {
			return err
		}
	}
	return p.w.Close()
}

// Observe does nothing: pcapd keeps no per-flow report state.
func (p *Plugin) Observe(*api.Flow) {}

// Report returns the extraction line, omitted when nothing was extracted.
func (p *Plugin) Report(t api.Totals) []string {
	n := p.Packets()
	if n == 0 {
		return nil
	}
	return []string{"pcapd: number of packets extracted: " + report.ShortNum(n) + " " + report.Pct(n, t.Packets)}
}
