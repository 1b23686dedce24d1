package datapath_test

import (
	"fmt"
	"testing"

	"github.com/flowtap/flowtap/userspace/datapath"
)

// allParseCases gathers every frame of the table tests.
func allParseCases() []parseCase {
	var all []parseCase
	for _, f := range []func() []parseCase{
		ethernetTCPCases, ethernetIPCases, ethernetMiscCases, l2FlowCases, vlanCases, mplsPPPoECases,
		ipv4FragmentCases, ipv4HeaderCases, lengthCases, ipv6ExtensionCases,
		tunnelsCases, linkTypesCases,
	} {
		all = append(all, f()...)
	}
	return all
}

// invariantErrors lists what is wrong with m among the properties that
// must hold for any input, however broken.
func invariantErrors(m *datapath.Meta, origLen uint32) []string {
	var bad []string
	if m.NHdrs > datapath.MaxHdrs || uint16(m.NHdrs) > m.HdrCnt {
		bad = append(bad, fmt.Sprintf("NHdrs %d HdrCnt %d (max %d)", m.NHdrs, m.HdrCnt, datapath.MaxHdrs))
	}
	if m.NVLANs > datapath.MaxVLANs || m.NVLANs > m.VLANCnt {
		bad = append(bad, fmt.Sprintf("NVLANs %d VLANCnt %d", m.NVLANs, m.VLANCnt))
	}
	if m.L7Len > origLen {
		bad = append(bad, fmt.Sprintf("L7Len %d > wire length %d", m.L7Len, origLen))
	}
	if m.FragLater && (m.Key.SrcPort != 0 || m.Key.DstPort != 0 || m.TCPValid) {
		bad = append(bad, fmt.Sprintf("later fragment with ports %d/%d tcp %v", m.Key.SrcPort, m.Key.DstPort, m.TCPValid))
	}
	if !m.NoFlow && !m.L2Flow && m.L3 == datapath.L3None {
		bad = append(bad, "flow without an L3 header and not an L2 flow")
	}
	if m.L2Flow && m.L3 != datapath.L3None {
		bad = append(bad, fmt.Sprintf("L2 flow with L3 %d", m.L3))
	}
	return bad
}

// TestParseTruncated cuts every table frame at every length. Parse must
// not panic, must keep its invariants, and a frame cut before the end of
// its IP datagram must carry a snap-length or stop-dissection bit.
func TestParseTruncated(t *testing.T) {
	const cutBits = datapath.StatL2SnapLen | datapath.StatL3SnapLen | datapath.StatL3HdrShort |
		datapath.StatL4HdrShort | datapath.StatStopDissect
	for _, c := range allParseCases() {
		t.Run(c.name, func(t *testing.T) {
			full := c.frame(t)
			link := c.link
			if link == 0 && !c.nullLink {
				link = datapath.LinkEthernet
			}
			ref := new(datapath.Meta)
			datapath.Parse(ref, full, uint32(len(full)), link)
			// Bytes after this offset are padding or trailer: cutting
			// there loses nothing T2 looks at. L2 flows are not checked
			// for snapping at all (T2 does not either).
			dataEnd := len(full) - int(c.pad) - c.tail
			for n := 0; n < len(full); n++ {
				m := new(datapath.Meta)
				datapath.Parse(m, full[:n], uint32(len(full)), link)
				if bad := invariantErrors(m, uint32(len(full))); bad != nil {
					t.Errorf("cut at %d of %d: %v", n, len(full), bad)
				}
				if !ref.L2Flow && !ref.NoFlow && n < dataEnd && m.Status&cutBits == 0 {
					t.Errorf("cut at %d of %d: status %#016x has no snap or stop bit", n, len(full), m.Status)
				}
			}
		})
	}
}

// TestParseTruncatedTCP follows the status of one Ethernet/IPv4/TCP frame
// (IP at 14, TCP at 34, 100 payload bytes at 54) through every cut.
func TestParseTruncatedTCP(t *testing.T) {
	full := ethTCP4(t, 100)
	orig := uint32(len(full))
	for n := 0; n <= len(full); n++ {
		m := new(datapath.Meta)
		datapath.Parse(m, full[:n], orig, datapath.LinkEthernet)
		has := func(bits uint64) bool { return m.Status&bits == bits }
		var bad []string
		fail := func(f string, a ...any) { bad = append(bad, fmt.Sprintf(f, a...)) }
		switch {
		case n < 14:
			if !has(datapath.StatL2SnapLen) || !m.NoFlow || desc(m) != "eth" {
				fail("want L2SNAPLENGTH, no flow, hdrDesc eth")
			}
		case n < 34:
			if !has(datapath.StatL3SnapLen|datapath.StatL3HdrShort|datapath.StatStopDissect) || !m.NoFlow || desc(m) != "eth:ipv4" {
				fail("want L3SNAPLENGTH|L3HDRSHRTLEN|STPDSCT, no flow, hdrDesc eth:ipv4")
			}
		default:
			if m.NoFlow || m.L3 != datapath.L3IPv4 || desc(m) != "eth:ipv4:tcp" || m.L7Len != 100 {
				fail("want an IPv4 flow eth:ipv4:tcp with L7 100 (from the IP header)")
			}
			wantPorts := n >= 38
			if (m.Key.SrcPort == 40000 && m.Key.DstPort == 80) != wantPorts || (!wantPorts && m.Key.SrcPort|m.Key.DstPort != 0) {
				fail("ports %d/%d, want them from byte 38 on", m.Key.SrcPort, m.Key.DstPort)
			}
			if m.TCPValid != (n >= 48) || m.TCPWinOK != (n >= 50) {
				fail("TCPValid %v TCPWinOK %v", m.TCPValid, m.TCPWinOK)
			}
			if has(datapath.StatL4HdrShort) != (n < 54) {
				fail("L4HDRSHRTLEN %v, want it while the 20-byte TCP header is cut", has(datapath.StatL4HdrShort))
			}
			if has(datapath.StatL3SnapLen) != (n < len(full)) {
				fail("L3SNAPLENGTH %v", has(datapath.StatL3SnapLen))
			}
		}
		if bad != nil {
			t.Errorf("cut at %d: status %#016x hdrDesc %q: %v", n, m.Status, desc(m), bad)
		}
	}
}
