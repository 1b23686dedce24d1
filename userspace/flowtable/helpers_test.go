package flowtable_test

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/flowtable"
	"github.com/flowtap/flowtap/userspace/testenv"
)

const sec = uint64(1_000_000_000)

var (
	macA  = net.HardwareAddr{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}
	macB  = net.HardwareAddr{0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb}
	bcast = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
)

func parse(t testing.TB, b []byte) *datapath.Meta {
	t.Helper()
	m := new(datapath.Meta)
	datapath.Parse(m, b, uint32(len(b)), datapath.LinkEthernet)
	if m.NoFlow {
		t.Fatalf("test frame has no flow (status %#x)", m.Status)
	}
	return m
}

func eth(et layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: et}
}

func ip4(src, dst string, proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
}

// udp returns the Meta of an Ethernet/IPv4/UDP packet with 20 payload bytes.
func udp(t testing.TB, src, dst string, sp, dp uint16) *datapath.Meta {
	return parse(t, testenv.Serialize(t, eth(layers.EthernetTypeIPv4), ip4(src, dst, layers.IPProtocolUDP),
		&layers.UDP{SrcPort: layers.UDPPort(sp), DstPort: layers.UDPPort(dp)}, gopacket.Payload(make([]byte, 20))))
}

// tcp returns the Meta of a TCP segment; flags uses S, A, F, R, P.
func tcp(t testing.TB, src, dst string, sp, dp uint16, flags string, seq, ack uint32) *datapath.Meta {
	th := &layers.TCP{
		SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Seq: seq, Ack: ack, Window: 1024,
		SYN: strings.Contains(flags, "S"), ACK: strings.Contains(flags, "A"), FIN: strings.Contains(flags, "F"),
		RST: strings.Contains(flags, "R"), PSH: strings.Contains(flags, "P"),
	}
	return parse(t, testenv.Serialize(t, eth(layers.EthernetTypeIPv4), ip4(src, dst, layers.IPProtocolTCP), th))
}

// icmpEcho returns an ICMP echo request or reply.
func icmpEcho(t testing.TB, src, dst string, reply bool) *datapath.Meta {
	typ := uint8(layers.ICMPv4TypeEchoRequest)
	if reply {
		typ = layers.ICMPv4TypeEchoReply
	}
	ic := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, 0), Id: 1, Seq: 1}
	return parse(t, testenv.Serialize(t, eth(layers.EthernetTypeIPv4), ip4(src, dst, layers.IPProtocolICMPv4), ic, gopacket.Payload(make([]byte, 32))))
}

// arp returns an ARP frame from src to dst (dst may be broadcast).
func arp(t testing.TB, src, dst net.HardwareAddr, op uint16) *datapath.Meta {
	a := &layers.ARP{
		AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
		Operation: op, SourceHwAddress: src, SourceProtAddress: []byte{10, 0, 0, 1},
		DstHwAddress: make([]byte, 6), DstProtAddress: []byte{10, 0, 0, 2},
	}
	return parse(t, testenv.Serialize(t, &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeARP}, a))
}

// udpFrag returns an IPv4/UDP fragment: off 0 is a first fragment (with
// the UDP header), off > 0 a later one (offset in 8-byte units).
func udpFrag(t testing.TB, src, dst string, sp, dp uint16, id uint16, mf bool, off uint16) *datapath.Meta {
	ip := ip4(src, dst, layers.IPProtocolUDP)
	ip.Id, ip.FragOffset = id, off
	if mf {
		ip.Flags = layers.IPv4MoreFragments
	}
	ls := []gopacket.SerializableLayer{eth(layers.EthernetTypeIPv4), ip}
	if off == 0 {
		ls = append(ls, &layers.UDP{SrcPort: layers.UDPPort(sp), DstPort: layers.UDPPort(dp)})
	}
	return parse(t, testenv.Serialize(t, append(ls, gopacket.Payload(make([]byte, 64)))...))
}

// line is one written flow direction, copied out of the Emit callback.
type line struct {
	dir    byte // 'A' or 'B'
	ind    uint64
	key    flowtable.Key
	status uint64
	pkts   uint64
}

// harness runs packets through the table the way the offline engine
// does: queued force-mode removals, then expiry at the packet's time,
// then lookup (fragment table first for later fragments), creation or an
// LRU refresh, fragment bookkeeping and the per-packet update.
type harness struct {
	t        testing.TB
	tab      *flowtable.Table
	cfg      datapath.Config
	out      []line
	toRemove []flowtable.Key
}

func newHarness(t testing.TB, capacity int) *harness {
	cfg := datapath.Config{FlowTimeoutNs: 182 * sec, TCPWinThres: 1, PDEq: true, PDOpp: true}
	timeouts := append([]uint64{cfg.FlowTimeoutNs}, datapath.Timeouts[:]...)
	return &harness{t: t, tab: flowtable.New(capacity, timeouts), cfg: cfg}
}

func (h *harness) emit(a, b *flowtable.Flow) {
	if a == nil {
		h.t.Fatal("emit without an A flow")
	}
	h.out = append(h.out, line{'A', a.State.FlowInd, a.Key, a.State.Status, a.State.Pkts})
	if b != nil {
		h.out = append(h.out, line{'B', b.State.FlowInd, b.Key, b.State.Status, b.State.Pkts})
	}
}

// packet processes m at ts and returns its flow and whether it was
// created; a packet without flow returns nil after the expiry step.
func (h *harness) packet(ts uint64, m *datapath.Meta) (*flowtable.Flow, bool) {
	for _, k := range h.toRemove {
		if f := h.tab.Lookup(&k); f != nil {
			h.tab.RemoveNow(f, h.emit)
		}
	}
	h.toRemove = h.toRemove[:0]
	h.tab.Expire(ts, h.emit)
	if m.NoFlow {
		return nil, false
	}
	res := h.tab.Resolve(m, ts, h.tab.Hash(&m.Key), &h.cfg, h.emit)
	f, isNew := res.Flow, res.New
	var opp *datapath.State
	if o := h.tab.Opposite(f); o != nil {
		opp = &o.State
	}
	r := datapath.Update(&f.State, opp, m, ts, isNew, &h.cfg)
	h.tab.Seen(f)
	if r.Remove {
		h.toRemove = append(h.toRemove, f.Key)
	}
	return f, isNew
}

// take returns the lines written so far and forgets them.
func (h *harness) take() []line {
	out := h.out
	h.out = nil
	return out
}

// inds summarises written lines as "A1 B1 A2".
func inds(ls []line) string {
	var b strings.Builder
	for i, l := range ls {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(l.dir)
		b.WriteString(strconv.FormatUint(l.ind, 10))
	}
	return b.String()
}
