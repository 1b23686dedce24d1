package capgen

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/userspace/testenv"
)

// decoded is one packet read back from a generated capture.
type decoded struct {
	ts   time.Time
	data []byte
	pkt  gopacket.Packet
}

// readCapture reads a classic pcap with gopacket and decodes every frame.
func readCapture(t *testing.T, capture []byte) []decoded {
	t.Helper()
	c, err := testenv.ParsePcap(capture, 0)
	if err != nil {
		t.Fatalf("read capture: %v", err)
	}
	if c.Ng || c.Link != layers.LinkTypeEthernet {
		t.Fatalf("pcapng %v, link type %v; want a classic pcap of Ethernet", c.Ng, c.Link)
	}
	var out []decoded
	for i, f := range c.Frames {
		ci := f.Info
		if ci.CaptureLength != ci.Length || ci.CaptureLength != len(f.Data) {
			t.Fatalf("packet %d: caplen %d, len %d, data %d", i+1, ci.CaptureLength, ci.Length, len(f.Data))
		}
		pkt := gopacket.NewPacket(f.Data, layers.LinkTypeEthernet, gopacket.Default)
		if el := pkt.ErrorLayer(); el != nil {
			t.Fatalf("packet %d: decode error: %v", i+1, el.Error())
		}
		out = append(out, decoded{ts: ci.Timestamp, data: f.Data, pkt: pkt})
	}
	return out
}

// ipInfo is what the tests need from a packet's IP and L4 headers, read
// without the generator's code. Fragments are resolved like T2 does.
type ipInfo struct {
	key       DirKey
	hasTCP    bool // a TCP header is in this frame
	window    uint16
	flags     uint8 // TCP flags byte
	seq, ack  uint32
	payLen    int // TCP payload bytes
	firstFrag bool
	laterFrag bool
	ipv4      *layers.IPv4
}

// fragID identifies the fragments of one IPv4 datagram.
type fragID struct {
	src, dst netip.Addr
	id       uint16
	proto    layers.IPProtocol
}

// inspector resolves later fragments to the key of their first fragment.
type inspector struct {
	frags map[fragID]DirKey
}

func newInspector() *inspector { return &inspector{frags: make(map[fragID]DirKey)} }

// inspect returns the IP view of d, or ok=false for non-IP frames.
func (in *inspector) inspect(t *testing.T, d decoded) (ipInfo, bool) {
	t.Helper()
	if ip4, ok := d.pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
		return in.inspectV4(t, ip4), true
	}
	ip6, ok := d.pkt.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
	if !ok {
		return ipInfo{}, false
	}
	src, _ := netip.AddrFromSlice(ip6.SrcIP)
	dst, _ := netip.AddrFromSlice(ip6.DstIP)
	return l4Info(t, src, dst, ip6.NextHeader, ip6.Payload), true
}

func (in *inspector) inspectV4(t *testing.T, ip *layers.IPv4) ipInfo {
	t.Helper()
	src, _ := netip.AddrFromSlice(ip.SrcIP.To4())
	dst, _ := netip.AddrFromSlice(ip.DstIP.To4())
	id := fragID{src: src, dst: dst, id: ip.Id, proto: ip.Protocol}
	if ip.FragOffset != 0 {
		k, ok := in.frags[id]
		if !ok {
			t.Fatalf("fragment %v without a first fragment", id)
		}
		if ip.Flags&layers.IPv4MoreFragments == 0 {
			delete(in.frags, id)
		}
		return ipInfo{key: k, laterFrag: true, ipv4: ip}
	}
	info := l4Info(t, src, dst, ip.Protocol, ip.Payload)
	info.ipv4 = ip
	if ip.Flags&layers.IPv4MoreFragments != 0 {
		info.firstFrag = true
		in.frags[id] = info.key
	}
	return info
}

// l4Info reads ports, and for TCP the header fields, from raw L4 bytes.
func l4Info(t *testing.T, src, dst netip.Addr, proto layers.IPProtocol, l4 []byte) ipInfo {
	t.Helper()
	info := ipInfo{key: DirKey{Src: netip.AddrPortFrom(src, 0), Dst: netip.AddrPortFrom(dst, 0), Proto: uint8(proto)}}
	switch proto {
	case layers.IPProtocolTCP, layers.IPProtocolUDP:
		if len(l4) < 8 {
			t.Fatalf("%v: L4 header of %d bytes", info.key, len(l4))
		}
		info.key.Src = netip.AddrPortFrom(src, binary.BigEndian.Uint16(l4[0:]))
		info.key.Dst = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(l4[2:]))
	}
	if proto == layers.IPProtocolTCP {
		if len(l4) < 20 {
			t.Fatalf("%v: TCP header of %d bytes", info.key, len(l4))
		}
		info.hasTCP = true
		info.seq = binary.BigEndian.Uint32(l4[4:])
		info.ack = binary.BigEndian.Uint32(l4[8:])
		info.flags = l4[13]
		info.window = binary.BigEndian.Uint16(l4[14:])
		info.payLen = len(l4) - int(l4[12]>>4)*4
	}
	return info
}

// refChecksum is a deliberately plain RFC 1071 sum, independent of the
// generator's: it returns 0 when data (checksum field included) is valid.
func refChecksum(parts ...[]byte) uint16 {
	var all []byte
	for _, p := range parts {
		all = append(all, p...)
	}
	var s uint32
	for i := 0; i < len(all); i += 2 {
		w := uint32(all[i]) << 8
		if i+1 < len(all) {
			w |= uint32(all[i+1])
		}
		s += w
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// pseudoHeader builds the IPv4 or IPv6 pseudo-header for an L4 checksum.
func pseudoHeader(src, dst netip.Addr, proto layers.IPProtocol, l4Len int) []byte {
	var h []byte
	h = append(h, src.AsSlice()...)
	h = append(h, dst.AsSlice()...)
	if src.Is4() {
		return append(h, 0, byte(proto), byte(l4Len>>8), byte(l4Len))
	}
	return append(h, byte(l4Len>>24), byte(l4Len>>16), byte(l4Len>>8), byte(l4Len), 0, 0, 0, byte(proto))
}

// writeTemp stores a capture in the test's temporary directory.
func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatalf("write %s: %v", p, err)
	}
	return p
}

// runTool runs a command and returns its stdout, failing on error.
func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	return stdout.String()
}

// checkStreams follows every TCP direction: each segment starts where the
// previous one ended (a one-byte zero-window probe does not advance), and
// each ACK acknowledges everything the peer sent before it.
func checkStreams(t *testing.T, infos []ipInfo, isIP []bool) {
	t.Helper()
	next := make(map[DirKey]uint32)
	lastWin := make(map[DirKey]uint16)
	errs := 0
	for i, info := range infos {
		if !isIP[i] || info.key.Proto != uint8(layers.IPProtocolTCP) || errs > 10 {
			continue
		}
		k := info.key
		if info.laterFrag {
			next[k] += uint32(len(info.ipv4.Payload))
			continue
		}
		if want, seen := next[k]; seen && info.seq != want && info.flags&fRST == 0 {
			t.Errorf("packet %d %v: seq %d, want %d", i+1, k, info.seq, want)
			errs++
		}
		if peer, ok := next[k.Reverse()]; ok && info.flags&fACK != 0 && info.ack != peer {
			t.Errorf("packet %d %v: ack %d, want %d", i+1, k, info.ack, peer)
			errs++
		}
		if probe := info.payLen == 1 && lastWin[k.Reverse()] == 0; !probe {
			next[k] = info.seq + uint32(info.payLen)
			if info.flags&(fSYN|fFIN) != 0 {
				next[k]++
			}
		}
		lastWin[k] = info.window
	}
}
