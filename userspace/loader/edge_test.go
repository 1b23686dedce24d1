//go:build linux

package loader_test

import (
	"fmt"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/userspace/loader"
)

// newEdgePair loads the program with T2's defaults and pairs it with the
// Go reference; the test's thread stays on one CPU.
func newEdgePair(t *testing.T) *pair {
	pinThread(t, 0)
	o := load(t, loader.Options{Datapath: t2Defaults, Replay: true})
	p := newPair(t, o, t2Defaults)
	t.Cleanup(func() {
		if !t.Failed() {
			p.finish()
			p.checkCounters()
		}
	})
	return p
}

// truncationBases are whole frames cut at every length below.
func truncationBases(t *testing.T) map[string][]byte {
	opts := ip4(ipA, ipB, layers.IPProtocolTCP)
	opts.Options = []layers.IPv4Option{{OptionType: 7, OptionLength: 7, OptionData: []byte{4, 0, 0, 0, 0}}} // record route
	return map[string][]byte{
		"ipv4-options-tcp": frame(t, eth(layers.EthernetTypeIPv4), opts, tcpSeg(40000, 80, "PA", 1, 2, 512), payload(20)),
		"ipv6-ext-udp": frame(t, eth(layers.EthernetTypeIPv6), ip6(ip6A, ip6B, layers.IPProtocolIPv6HopByHop),
			ext6(layers.IPProtocolIPv6Destination, 0), ext6(layers.IPProtocolUDP, 1), udp(5353, 5353), payload(12)),
		"vlan2-ipv4-udp": frame(t, append(vlanTags(2, layers.EthernetTypeIPv4), ip4(ipA, ipB, layers.IPProtocolUDP), udp(53, 40000), payload(30))...),
		"ipv4-icmp":      frame(t, eth(layers.EthernetTypeIPv4), ip4(ipA, ipB, layers.IPProtocolICMPv4), &layers.ICMPv4{TypeCode: 0x0800, Id: 1, Seq: 1}, payload(16)),
		"ipv6-sctp": frame(t, eth(layers.EthernetTypeIPv6), ip6(ip6A, ip6B, layers.IPProtocolSCTP),
			&layers.SCTP{SrcPort: 3868, DstPort: 3868, VerificationTag: 1}, payload(16)),
		"ipv4-first-fragment": frame(t, eth(layers.EthernetTypeIPv4), frag4(layers.IPProtocolUDP, 77, 0, true), udp(2049, 800), payload(40)),
		"arp": frame(t, &layers.Ethernet{SrcMAC: macA, DstMAC: layers.EthernetBroadcast, EthernetType: layers.EthernetTypeARP},
			&layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
				Operation: 1, SourceHwAddress: macA, SourceProtAddress: ipA, DstHwAddress: make([]byte, 6), DstProtAddress: ipB}),
	}
}

// TestTruncatedFrames cuts frames at every length, captured with the
// original wire length (a snap length) and as short frames on the wire.
func TestTruncatedFrames(t *testing.T) {
	for name, f := range truncationBases(t) {
		t.Run(name, func(t *testing.T) {
			p := newEdgePair(t)
			ts := uint64(1_700_000_000_000_000_000)
			for n := 14; n <= len(f); n++ {
				for _, orig := range []uint32{uint32(len(f)), uint32(n)} {
					ts += 1000
					k, ok := p.packet(f[:n], orig, ts)
					if !ok {
						t.Fatalf("cut %d: not run", n)
					}
					if k.Punt != 0 {
						t.Errorf("cut %d: punted (%d)", n, k.Punt)
					}
				}
			}
			if p.run != 2*(len(f)-13) {
				t.Errorf("ran %d packets, want %d", p.run, 2*(len(f)-13))
			}
		})
	}
}

// TestTruncatedIPv4HasNoFlow checks the T2 rule independently of Go: an
// IPv4 packet without its 20-byte header belongs to no flow.
func TestTruncatedIPv4HasNoFlow(t *testing.T) {
	p := newEdgePair(t)
	f := frame(t, eth(layers.EthernetTypeIPv4), ip4(ipA, ipB, layers.IPProtocolUDP), udp(1, 2), payload(4))
	for n := 14; n < 34; n++ {
		k, _ := p.packet(f[:n], uint32(len(f)), uint64(n))
		if k.NoFlow != 1 || k.Flow != 0 {
			t.Errorf("cut %d: no_flow %d flow %d, want a packet without flow", n, k.NoFlow, k.Flow)
		}
	}
	if k, _ := p.packet(f[:34], uint32(len(f)), 100); k.Flow != 1 {
		t.Errorf("cut 34 (whole IPv4 header): flow %d, want 1", k.Flow)
	}
}

// TestVLANDepth sends TCP behind 0 to 9 tags. T2 keys on the innermost
// VID and keeps 3 TCIs; past MAX_VLAN_SCAN (8) tags the frame is an L2
// flow keyed by the next TPID, as in the Go parser.
func TestVLANDepth(t *testing.T) {
	for depth := 0; depth <= 9; depth++ {
		t.Run(fmt.Sprintf("tags-%d", depth), func(t *testing.T) {
			p := newEdgePair(t)
			ls := append(vlanTags(depth, layers.EthernetTypeIPv4), ip4(ipA, ipB, layers.IPProtocolTCP), tcpSeg(40000, 80, "S", 1, 0, 1024))
			f := frame(t, ls...)
			k, _ := p.packet(f, uint32(len(f)), 1)
			k2, _ := p.packet(f[:14+4*depth+10], uint32(len(f)), 2) // cut inside the IP header
			if k.Punt != 0 || k2.Punt != 0 {
				t.Fatalf("punted: %d %d", k.Punt, k2.Punt)
			}
			wantVID := uint16(0)
			if depth > 0 {
				wantVID = uint16(100 + min(depth, 8) - 1)
			}
			if depth > 8 {
				// The 9th tag's TPID is 0x9100 (vlanTags cycles 0x8100, 0x88a8, 0x9100).
				if k.Key.EthType != 0x9100 || k.Key.L4Proto != 0 || k.Key.EthSrc != [6]byte(macA) {
					t.Errorf("key %+v, want an L2 flow of ethertype 0x9100", k.Key)
				}
			} else if k.Key.EthType != 0x0800 || k.Key.SrcPort != 40000 {
				t.Errorf("key %+v, want the IPv4/TCP flow", k.Key)
			}
			if k.Key.VlanId != wantVID {
				t.Errorf("vlan id %d, want %d", k.Key.VlanId, wantVID)
			}
			st := p.kernelState(k.Key)
			if int(st.VlanCnt) != min(depth, 3) {
				t.Errorf("vlan_cnt %d, want %d", st.VlanCnt, min(depth, 3))
			}
		})
	}
}

// kernelState returns the kernel's state of flow key.
func (p *pair) kernelState(key gen.FlowtapFlowKey) gen.FlowtapFlowState {
	p.t.Helper()
	var st gen.FlowtapFlowState
	if err := p.o.Flows.Lookup(&key, &st); err != nil {
		p.t.Fatalf("flow %v: %v", key, err)
	}
	return st
}
