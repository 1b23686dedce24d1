package datapath_test

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// dirtyMeta is a Meta whose fields a frame the fast path does not take
// (two VLAN tags, a wire length far beyond the capture) and then a few
// assignments have set, so a field the fast path forgets to write shows
// up as a difference.
func dirtyMeta(t testing.TB) datapath.Meta {
	var m datapath.Meta
	b := taggedFrame(layers.IPProtocolTCP, &layers.Dot1Q{VLANIdentifier: 7}, &layers.Dot1Q{VLANIdentifier: 9})(t)
	datapath.ParseGeneral(&m, b, uint32(len(b))+3000, datapath.LinkEthernet)
	m.FragFirst, m.FragLater, m.FragMore, m.ViaFragTable, m.ICMPOK = true, true, true, true, true
	m.PadLen, m.FragID, m.MPLSCnt, m.NoFlow, m.L2Flow = 9, 77, 2, true, true
	return m
}

// pathsDiffer parses b through Parse, the general path and (for Ethernet)
// the fast path, and describes how their Metas differ; it also reports
// whether the fast path took the frame.
func pathsDiffer(dirty *datapath.Meta, b []byte, orig, link uint32) (bool, string) {
	var want datapath.Meta
	datapath.ParseGeneral(&want, b, orig, link)
	got := *dirty
	datapath.Parse(&got, b, orig, link)
	if got != want {
		return false, fmt.Sprintf("Parse\n got %+v\nwant %+v", got, want)
	}
	if link != datapath.LinkEthernet {
		return false, ""
	}
	got = *dirty
	if !datapath.ParseFast(&got, b, orig) {
		if got != *dirty {
			return false, "fast path declined the frame but changed the Meta"
		}
		return false, ""
	}
	if got != want {
		return true, fmt.Sprintf("fast path\n got %+v\nwant %+v", got, want)
	}
	return true, ""
}

// fastVariants returns b, and for an Ethernet/IPv4 frame copies with the
// fields the fast path decides on rewritten: total length, TCP data
// offset, ports (SSDP, tunnels, zero), fragment bits, header length.
func fastVariants(b []byte) [][]byte {
	out := [][]byte{b}
	if len(b) < 38 || binary.BigEndian.Uint16(b[12:]) != datapath.EthIPv4 {
		return out
	}
	with := func(edit func(c []byte)) {
		c := append([]byte(nil), b...)
		edit(c)
		out = append(out, c)
	}
	n := uint16(len(b) - 14)
	for _, tl := range []uint16{0, 1, 19, 20, 27, 28, 39, 40, 41, n - 1, n, n + 1, 0xffff} {
		with(func(c []byte) { binary.BigEndian.PutUint16(c[16:], tl) })
	}
	for _, frag := range []uint16{0x4000, 0x2000, 0x0001, 0x8000} {
		with(func(c []byte) { binary.BigEndian.PutUint16(c[20:], frag) })
	}
	for _, vihl := range []byte{0x44, 0x46, 0x55, 0x65} {
		with(func(c []byte) { c[14] = vihl })
	}
	for _, proto := range []byte{datapath.ProtoTCP, datapath.ProtoUDP, datapath.ProtoUDPLite, datapath.ProtoICMP} {
		for _, ports := range [][2]uint16{
			{1900, 1024}, {1900, 1025}, {1024, 1900}, {1025, 1900}, {1900, 1900}, {4789, 1}, {1, 6081}, {3544, 0}, {0, 0},
		} {
			with(func(c []byte) {
				c[23] = proto
				binary.BigEndian.PutUint16(c[34:], ports[0])
				binary.BigEndian.PutUint16(c[36:], ports[1])
			})
		}
	}
	if len(b) > 46 {
		for off := byte(0); off < 16; off++ {
			with(func(c []byte) { c[46] = off<<4 | c[46]&0x0f })
		}
	}
	return out
}

// checkPaths compares the paths on a frame captured whole and cut short
// at the sizes the fast path tests, with wire lengths around the padding
// and TSO cases; with variants set, also on its fastVariants. It returns
// how many parses took the fast path.
func checkPaths(t *testing.T, dirty *datapath.Meta, b []byte, orig, link uint32, variants bool) int {
	t.Helper()
	n := uint32(len(b))
	fast := check(t, dirty, b, link, []uint32{n, 41, 42, 53, 54, 60}, []uint32{orig, n, 60, 64, 65, n + 1500, 0, 14, 30})
	if variants && link == datapath.LinkEthernet {
		for _, v := range fastVariants(b)[1:] {
			n := uint32(len(v))
			fast += check(t, dirty, v, link, []uint32{n, 42, 54}, []uint32{orig, n, 60, n + 1500})
		}
	}
	return fast
}

// check runs pathsDiffer on b cut at each of cuts (those within b) with
// each wire length of origs.
func check(t *testing.T, dirty *datapath.Meta, b []byte, link uint32, cuts, origs []uint32) int {
	t.Helper()
	fast := 0
	for _, cut := range cuts {
		if cut > uint32(len(b)) {
			continue
		}
		for _, o := range origs {
			took, diff := pathsDiffer(dirty, b[:cut], o, link)
			if diff != "" {
				t.Fatalf("frame % x (captured %d, wire %d):\n%s", b[:cut], cut, o, diff)
			}
			if took {
				fast++
			}
		}
	}
	return fast
}

// TestParseFastShape checks which frames the fast path takes: exactly the
// plain Ethernet/IPv4/TCP and UDP ones, with the general path's result.
func TestParseFastShape(t *testing.T) {
	tagged := taggedFrame(layers.IPProtocolTCP, &layers.Dot1Q{VLANIdentifier: 5})
	cases := []struct {
		name  string
		frame func(t testing.TB) []byte
		cut   int
		fast  bool
	}{
		{"tcp", func(t testing.TB) []byte { return ethTCP4(t, 100) }, 0, true},
		{"tcp empty", func(t testing.TB) []byte { return ethTCP4(t, 0) }, 0, true},
		{"tcp header cut", func(t testing.TB) []byte { return ethTCP4(t, 0) }, 53, false},
		{"udp", ethUDP4(5353), 0, true},
		{"udp ssdp", ethUDP4(1900), 0, true},
		{"udp vxlan port", ethUDP4(4789), 0, false},
		{"udp header cut", ethUDP4(53), 41, false},
		{"vlan", tagged, 0, false},
		{"ipv4 options", ipv4Options, 0, false},
		{"icmp", func(t testing.TB) []byte {
			return testenv.Serialize(t, ethL(layers.EthernetTypeIPv4),
				ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolICMPv4), &layers.ICMPv4{}, payload(8))
		}, 0, false},
		{"ipv6", func(t testing.TB) []byte {
			return testenv.Serialize(t, ethL(layers.EthernetTypeIPv6),
				ip6L("2001:db8::1", "2001:db8::2", layers.IPProtocolTCP), tcpL(1, 2), payload(8))
		}, 0, false},
	}
	dirty := dirtyMeta(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.frame(t)
			if c.cut != 0 {
				b = b[:c.cut]
			}
			took, diff := pathsDiffer(&dirty, b, uint32(len(b)), datapath.LinkEthernet)
			if diff != "" {
				t.Fatal(diff)
			}
			if took != c.fast {
				t.Errorf("fast path took the frame: %v, want %v", took, c.fast)
			}
		})
	}
}

func ethUDP4(dport uint16) func(t testing.TB) []byte {
	return func(t testing.TB) []byte {
		return testenv.Serialize(t, ethL(layers.EthernetTypeIPv4),
			ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolUDP), udpL(40000, dport), payload(20))
	}
}

func ipv4Options(t testing.TB) []byte {
	ip := ip4L("10.0.0.1", "10.0.0.2", layers.IPProtocolTCP)
	ip.Options = []layers.IPv4Option{{OptionType: 1}, {OptionType: 1}, {OptionType: 1}, {OptionType: 0}}
	return testenv.Serialize(t, ethL(layers.EthernetTypeIPv4), ip, tcpL(1, 2), payload(8))
}

// fastVariantFrames is how many frames of each capture are also checked
// with their header fields rewritten.
const fastVariantFrames = 100

// TestParseFastMatchesGeneral checks that the fast path gives the general
// path's Meta for the parse tests' frames and every frame of every shared
// capture, whole, cut short and with rewritten header fields.
func TestParseFastMatchesGeneral(t *testing.T) {
	dirty := dirtyMeta(t)
	t.Run("parse cases", func(t *testing.T) {
		fast := 0
		for _, c := range allParseCases() {
			link := c.link
			if link == 0 && !c.nullLink {
				link = datapath.LinkEthernet
			}
			b := c.frame(t)
			fast += checkPaths(t, &dirty, b, uint32(len(b)), link, true)
		}
		if fast == 0 {
			t.Error("no frame took the fast path")
		}
	})
	fast := 0
	for _, path := range testenv.SharedPcaps(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			// A damaged capture still gives the frames before the damage.
			c, _ := readFirstFrames(path, 0)
			// Every frame as captured; the first ones of each capture also
			// with their header fields rewritten (all of them take a minute
			// under -race).
			for i, f := range c.Frames {
				fast += checkPaths(t, &dirty, f.Data, uint32(f.Info.Length), uint32(c.Link), i < fastVariantFrames)
			}
		})
	}
	if fast == 0 {
		t.Error("no frame of the shared captures took the fast path")
	}
}
