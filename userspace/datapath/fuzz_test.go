package datapath_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// fuzzSeedCaptures are read for their first frames: one or more per link
// type and encapsulation Parse knows.
var fuzzSeedCaptures = []string{
	"bgp-4byte-asn.pcap", "802.1ad_QinQ.pcap", "bfd_source_port_49152.pcap",
	"zeek-tunnels_vxlan-encapsulated-http.pcap", "zeek-tunnels_Teredo.pcap",
	"zeek-tunnels_gre-sample.pcap", "zeek-tunnels_gre-aruba.pcap", "ndpi-6in4tunnel.pcap",
	"ppp-ip6_fragments.pcap", "ppp-ip4_fragments.pcap", "zeek-ipv6-hbh-routing0.pcap",
	"zeek-ipv6-mobility-dst-opts.pcap", "zeek-mixed-vlan-mpls.pcap", "zeek-pppoe-over-qinq.pcap",
	"zeek-vlan-qinqinq.pcap", "ppp-sll.pcap", "sv-decode-sll2-02.pcap", "sv-transform-base64-7296.pcap",
	"ppp-raw_ip.pcap", "sv-defrag-ipv6-tcp.pcap", "zeek-nflog-http.pcap", "gopacket-test_loopback.pcap",
	"zeek-tcp_truncated-header.pcap", "tcpdump-tcp_header_heapoverflow.pcap", "ndpi-badpackets.pcap",
	"zeek-communityid_sctp.pcap", "ppp-pcapng-example.pcapng", "sanders-tcp_zerowindowdead.pcapng",
	"zeek-trunc_ip-discarder-truncated-tcp-oob.pcapng",
}

// readFirstFrames returns up to n frames of a pcap or pcapng file with
// their link type. A damaged record ends the frames, not the seeding: its
// error is returned with the frames before it.
func readFirstFrames(path string, n int) (testenv.Capture, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return testenv.Capture{}, err
	}
	c, err := testenv.ParsePcap(raw, n)
	if err != nil {
		return c, fmt.Errorf("read %s: %w", path, err)
	}
	return c, nil
}

// FuzzParse feeds arbitrary bytes and link types to Parse. Parse must not
// panic, must keep the invariants of invariantErrors for a whole and a
// snapped frame, must not depend on what the Meta held before, and its
// fast path must agree with the general one.
func FuzzParse(f *testing.F) {
	for _, c := range allParseCases() {
		link := c.link
		if link == 0 && !c.nullLink {
			link = datapath.LinkEthernet
		}
		f.Add(c.frame(f), link)
	}
	if dir, ok := testenv.SharedDirIfPresent(f, "pcaps"); ok {
		for _, name := range fuzzSeedCaptures {
			c, err := readFirstFrames(filepath.Join(dir, name), 4)
			if err != nil {
				f.Logf("seed capture %s: %v", name, err)
			}
			for _, s := range c.Frames {
				f.Add(s.Data, uint32(c.Link))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, link uint32) {
		dirty := new(datapath.Meta)
		datapath.Parse(dirty, bytes.Repeat([]byte{0xff}, 200), 200, datapath.LinkEthernet)
		for _, orig := range []uint32{uint32(len(data)), uint32(len(data)) + 1500} {
			m := new(datapath.Meta)
			datapath.Parse(m, data, orig, link)
			if bad := invariantErrors(m, orig); bad != nil {
				t.Fatalf("link %d wire length %d: %v", link, orig, bad)
			}
			datapath.Parse(dirty, data, orig, link)
			if *dirty != *m {
				t.Fatalf("link %d: Parse into a used Meta differs from a fresh one", link)
			}
			var general datapath.Meta
			datapath.ParseGeneral(&general, data, orig, link)
			if general != *m {
				t.Fatalf("link %d wire length %d: Parse differs from its general path", link, orig)
			}
		}
	})
}
