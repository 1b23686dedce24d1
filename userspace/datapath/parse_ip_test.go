package datapath_test

import (
	"encoding/binary"
	"net"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// fragCheck verifies the fragment fields of a parsed packet.
func fragCheck(first, later, more bool, id uint32) func(t *testing.T, m *datapath.Meta) {
	return func(t *testing.T, m *datapath.Meta) {
		t.Helper()
		if m.FragFirst != first || m.FragLater != later || m.FragMore != more || m.FragID != id {
			t.Errorf("frag first %v later %v more %v id %#x, want %v %v %v %#x",
				m.FragFirst, m.FragLater, m.FragMore, m.FragID, first, later, more, id)
		}
		if later && (m.TCPValid || m.Key.SrcPort != 0 || m.Key.DstPort != 0) {
			t.Errorf("later fragment has L4 fields: tcp %v ports %d/%d", m.TCPValid, m.Key.SrcPort, m.Key.DstPort)
		}
	}
}

func TestParseIPv4Fragments(t *testing.T) { runParseCases(t, ipv4FragmentCases()) }

func ipv4FragmentCases() []parseCase {
	frag := func(flags layers.IPv4Flag, off uint16, opts bool, ls func(t testing.TB, ip *layers.IPv4) []byte) func(t testing.TB) []byte {
		return func(t testing.TB) []byte {
			ip := ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolUDP)
			ip.Id, ip.Flags, ip.FragOffset = 0x4242, flags, off
			if opts {
				ip.Options = []layers.IPv4Option{{OptionType: 0x94, OptionLength: 4, OptionData: []byte{0, 0}}}
			}
			return ls(t, ip)
		}
	}
	udpKey := keyIP(ip4("10.0.0.1"), ip4("10.0.0.2"), datapath.EthIPv4, 0, 1000, 2000, datapath.ProtoUDP)
	noPorts := keyIP(ip4("10.0.0.1"), ip4("10.0.0.2"), datapath.EthIPv4, 0, 0, 0, datapath.ProtoUDP)
	return []parseCase{
		{
			name: "first fragment",
			frame: frag(layers.IPv4MoreFragments, 0, false, func(t testing.TB, ip *layers.IPv4) []byte {
				return testenv.Serialize(t, ethL(layers.EthernetTypeIPv4), ip, udpL(1000, 2000), payload(100))
			}),
			desc: "eth:ipv4:udp", key: udpKey, l7: 100, set: v4, clear: snapBits,
			check: fragCheck(true, false, true, 0x4242),
		},
		{
			// Offset 16 (128 bytes), MF clear: the last fragment. No L4
			// header, so L7 = IP length - IHL (section 4).
			name: "last fragment",
			frame: frag(0, 16, false, func(t testing.TB, ip *layers.IPv4) []byte {
				return testenv.Serialize(t, ethL(layers.EthernetTypeIPv4), ip, payload(60))
			}),
			desc: "eth:ipv4:udp", key: noPorts, l7: 60, set: v4 | datapath.StatStopDissect,
			clear: datapath.StatL3SnapLen | datapath.StatL4HdrShort,
			check: fragCheck(false, true, false, 0x4242),
		},
		{
			name: "middle fragment with options",
			frame: frag(layers.IPv4MoreFragments, 16, true, func(t testing.TB, ip *layers.IPv4) []byte {
				return testenv.Serialize(t, ethL(layers.EthernetTypeIPv4), ip, payload(60))
			}),
			desc: "eth:ipv4:udp", key: noPorts, l7: 60, set: v4 | datapath.StatStopDissect,
			clear: datapath.StatL3SnapLen | datapath.StatL4HdrShort,
			check: fragCheck(false, true, true, 0x4242),
		},
		{
			// A later fragment whose payload looks like a UDP header must
			// not provide ports.
			name: "later fragment starting like udp",
			frame: frag(0, 8, false, func(t testing.TB, ip *layers.IPv4) []byte {
				return testenv.Serialize(t, ethL(layers.EthernetTypeIPv4), ip, udpL(7777, 8888), payload(40))
			}),
			desc: "eth:ipv4:udp", key: noPorts, l7: 48, set: v4 | datapath.StatStopDissect,
			check: fragCheck(false, true, false, 0x4242),
		},
	}
}

func TestParseIPv4Header(t *testing.T) { runParseCases(t, ipv4HeaderCases()) }

func ipv4HeaderCases() []parseCase {
	tcpKey := keyIP(ip4("10.0.0.1"), ip4("10.0.0.2"), datapath.EthIPv4, 0, 40000, 80, datapath.ProtoTCP)
	return []parseCase{
		{
			// IHL 6: ports are read behind the options.
			name: "options ihl 6",
			frame: func(t testing.TB) []byte {
				ip := ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolTCP)
				ip.Options = []layers.IPv4Option{{OptionType: 0x94, OptionLength: 4, OptionData: []byte{0, 0}}}
				b := testenv.Serialize(t, ethL(layers.EthernetTypeIPv4), ip, tcpL(40000, 80), payload(10))
				if b[14] != 0x46 {
					t.Fatalf("version/IHL byte %#x, want 0x46", b[14])
				}
				return b
			},
			desc: "eth:ipv4:tcp", key: tcpKey, l7: 10, set: v4, clear: snapBits,
			check: func(t *testing.T, m *datapath.Meta) {
				if m.L3Off != 14 || !m.TCPValid || m.TCPWin != 512 {
					t.Errorf("L3Off %d tcp %v win %d", m.L3Off, m.TCPValid, m.TCPWin)
				}
			},
		},
		{
			name: "ihl 4 too short",
			frame: func(t testing.TB) []byte {
				b := ethTCP4(t, 20)
				b[14] = 0x44
				return b
			},
			desc: "eth:ipv4", noFlow: true,
			set: datapath.StatIPv4HLShort | datapath.StatIPv4Pkt, clear: datapath.StatIPv4,
		},
	}
}

// TestParseLengths covers L4 headers cut by the IP length and an IP
// length of 0.
func TestParseLengths(t *testing.T) { runParseCases(t, lengthCases()) }

func lengthCases() []parseCase {
	tcpKey := keyIP(ip4("10.0.0.1"), ip4("10.0.0.2"), datapath.EthIPv4, 0, 40000, 80, datapath.ProtoTCP)
	return []parseCase{
		{
			// TCP with IP length < 40: no ports (section 1). Like T2, the
			// data offset is read from what follows (the Ethernet padding,
			// 0), so L7 is the IP length minus the IP header.
			name: "tcp header cut by ip length",
			frame: func(t testing.TB) []byte {
				return testenv.Serialize(t, ethL(layers.EthernetTypeIPv4), ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolTCP), payload(10))
			},
			desc: "eth:ipv4:tcp", key: keyIP(ip4("10.0.0.1"), ip4("10.0.0.2"), datapath.EthIPv4, 0, 0, 0, datapath.ProtoTCP),
			l7: 10, pad: 60 - 14 - 30, set: v4 | datapath.StatL4HdrShort,
			check: func(t *testing.T, m *datapath.Meta) {
				if m.TCPValid {
					t.Error("TCPValid on a 10-byte TCP segment")
				}
			},
		},
		{
			// UDP with IP length 27 < 28: no ports.
			name: "udp header cut by ip length",
			frame: func(t testing.TB) []byte {
				return testenv.Serialize(t, ethL(layers.EthernetTypeIPv4), ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolUDP), payload(7))
			},
			desc: "eth:ipv4:udp", key: keyIP(ip4("10.0.0.1"), ip4("10.0.0.2"), datapath.EthIPv4, 0, 0, 0, datapath.ProtoUDP),
			l7: 0, pad: 60 - 14 - 27, set: v4 | datapath.StatL4HdrShort,
		},
		{
			// IP total length 0 (TSO): the length comes from the frame.
			name: "ip length zero",
			frame: func(t testing.TB) []byte {
				b := ethTCP4(t, 100)
				binary.BigEndian.PutUint16(b[16:], 0)
				return b
			},
			desc: "eth:ipv4:tcp", key: tcpKey, l7: 100, set: v4 | datapath.StatIPLenMismtch,
			clear: datapath.StatL3SnapLen,
		},
	}
}

func TestParseIPv6Extensions(t *testing.T) { runParseCases(t, ipv6ExtensionCases()) }

func ipv6ExtensionCases() []parseCase {
	src, dst := "2001:db8::1", "2001:db8::2"
	udpKey := keyIP(ip6(src), ip6(dst), datapath.EthIPv6, 0, 5000, 53, datapath.ProtoUDP)
	pad4 := []byte{0, 0, 0, 0}
	fragHdr := func(off uint16, more bool) *layers.IPv6Fragment {
		return &layers.IPv6Fragment{NextHeader: layers.IPProtocolUDP, FragmentOffset: off, MoreFragments: more, Identification: 0xdeadbeef}
	}
	return []parseCase{
		{
			name: "hop-by-hop routing dstopts udp",
			frame: func(t testing.TB) []byte {
				hbh := &layers.IPv6HopByHop{}
				hbh.NextHeader = layers.IPProtocolIPv6Routing
				hbh.Options = []*layers.IPv6HopByHopOption{{OptionType: 1, OptionLength: 4, OptionData: pad4}}
				rt := &layers.IPv6Routing{SourceRoutingIPs: []net.IP{net.ParseIP("2001:db8::99")}}
				rt.NextHeader = layers.IPProtocolIPv6Destination
				do := &layers.IPv6Destination{}
				do.NextHeader = layers.IPProtocolUDP
				do.Options = []*layers.IPv6DestinationOption{{OptionType: 1, OptionLength: 4, OptionData: pad4}}
				return testenv.Serialize(t, ethL(layers.EthernetTypeIPv6), ip6L(src, dst, layers.IPProtocolIPv6HopByHop),
					hbh, rt, do, udpL(5000, 53), payload(40))
			},
			desc: "eth:ipv6:ipv6.hopopts:ipv6.routing:ipv6.dstopts:udp", key: udpKey, l7: 40,
			set: v6, clear: snapBits | datapath.StatIPv4Pkt,
		},
		{
			name: "first fragment",
			frame: func(t testing.TB) []byte {
				return testenv.Serialize(t, ethL(layers.EthernetTypeIPv6), ip6L(src, dst, layers.IPProtocolIPv6Fragment),
					fragHdr(0, true), udpL(5000, 53), payload(100))
			},
			desc: "eth:ipv6:ipv6.fraghdr:udp", key: udpKey, l7: 100, set: v6, clear: snapBits,
			check: fragCheck(true, false, true, 0xdeadbeef),
		},
		{
			name: "later fragment",
			frame: func(t testing.TB) []byte {
				return testenv.Serialize(t, ethL(layers.EthernetTypeIPv6), ip6L(src, dst, layers.IPProtocolIPv6Fragment),
					fragHdr(14, false), payload(50))
			},
			desc: "eth:ipv6:ipv6.fraghdr:udp", key: keyIP(ip6(src), ip6(dst), datapath.EthIPv6, 0, 0, 0, datapath.ProtoUDP),
			l7: 50, set: v6 | datapath.StatStopDissect, clear: datapath.StatL3SnapLen | datapath.StatL4HdrShort,
			check: fragCheck(false, true, false, 0xdeadbeef),
		},
	}
}
