package datapath_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/flowtap/flowtap/userspace/datapath"
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

// seedFrame is one captured frame with its link type.
type seedFrame struct {
	data []byte
	link uint32
}

// readFirstFrames returns up to n frames of a pcap or pcapng file.
func readFirstFrames(path string, n int) ([]seedFrame, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var next func() ([]byte, error)
	var link uint32
	if strings.HasSuffix(path, ".pcapng") {
		r, err := pcapgo.NewNgReader(bytes.NewReader(raw), pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		link = uint32(r.LinkType())
		next = func() ([]byte, error) { d, _, err := r.ReadPacketData(); return d, err }
	} else {
		r, err := pcapgo.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		link = uint32(r.LinkType())
		next = func() ([]byte, error) { d, _, err := r.ReadPacketData(); return d, err }
	}
	var out []seedFrame
	for len(out) < n {
		d, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out, nil // a damaged record ends the seeds, not the test
		}
		out = append(out, seedFrame{append([]byte(nil), d...), link})
	}
	return out, nil
}

// FuzzParse feeds arbitrary bytes and link types to Parse. Parse must not
// panic, must keep the invariants of invariantErrors for a whole and a
// snapped frame, and must not depend on what the Meta held before.
func FuzzParse(f *testing.F) {
	for _, c := range allParseCases() {
		link := c.link
		if link == 0 && !c.nullLink {
			link = datapath.LinkEthernet
		}
		f.Add(c.frame(f), link)
	}
	dir, err := pcapsDir()
	switch {
	case err == nil:
		for _, name := range fuzzSeedCaptures {
			frames, err := readFirstFrames(filepath.Join(dir, name), 4)
			if err != nil {
				f.Logf("seed capture %s: %v", name, err)
				continue
			}
			for _, s := range frames {
				f.Add(s.data, s.link)
			}
		}
	case os.Getenv("CI") == "true":
		f.Fatalf("shared captures missing (CI=true): %v", err)
	default:
		f.Logf("shared captures missing, seeding with built frames only: %v", err)
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
		}
	})
}

// pcapsDir locates ../shared/pcaps beside the repository root without
// skipping, for seed setup.
func pcapsDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "pcaps")
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
}
