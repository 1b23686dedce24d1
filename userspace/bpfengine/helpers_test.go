//go:build linux

package bpfengine

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/plugins"
	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/engine"
	"github.com/flowtap/flowtap/userspace/geo"
	"github.com/flowtap/flowtap/userspace/testenv"
)

const (
	sec = int64(1_000_000_000)
	ms  = int64(1_000_000)
	t0  = 1_700_000_000 * sec // first packet time of every test
)

// t2Config is the engine configuration of `t2` without options, with a
// table of the given capacity.
func t2Config(capacity int) engine.Config {
	return engine.Config{
		Datapath: datapath.Config{FlowTimeoutNs: 182 * uint64(sec), TCPWinThres: 1, PDEq: true},
		Capacity: capacity,
	}
}

// newStage loads the program for a test, or skips without privileges or
// kernel support (fails under CI=true). The test's goroutine keeps its
// thread pinned until cleanup.
func newStage(t *testing.T, opts Options) *Stage {
	t.Helper()
	testenv.RequirePrivileged(t)
	s, err := New(opts)
	if errors.Is(err, ebpf.ErrNotSupported) {
		testenv.Unavailable(t, fmt.Sprintf("kernel lacks a feature of xdp_flowtap: %v", err))
	}
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// lineSink collects lines; the engine writes flow lines from its writer
// goroutine.
type lineSink struct {
	mu sync.Mutex
	l  []string
}

func (w *lineSink) WriteLine(b []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.l = append(w.l, string(b))
	return nil
}

// outputs is everything one engine run produced.
type outputs struct {
	flows, packets []string
	pcapd          []byte
	stats          engine.Stats
	counters       Counters // bpf runs only
	report         []string // bpf runs only
}

// runEngine feeds pkts to an engine with cfg (tcpWin reports from the
// first packet on) in packet mode, through the Go flow stage or, with
// bpf, through a Stage loaded for linkType.
func runEngine(t *testing.T, cfg engine.Config, linkType uint32, pkts []capture.Packet, bpf bool) outputs {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "cap")
	opt := api.Options{TCPWinThres: cfg.Datapath.TCPWinThres, TCPWinMinPkts: 1, TCPWinMaxIPs: 100, Geo: geo.NewBuiltin()}
	set := plugins.New(opt, prefix, false)
	var flows, packets lineSink
	eng := engine.New(cfg, set, &flows, &packets)
	eng.SetSnaplen(65535)
	var st *Stage
	if bpf {
		st = newStage(t, Options{Datapath: cfg.Datapath, Capacity: cfg.Capacity, LinkType: linkType})
		eng.SetStage(st)
	}
	for i := range pkts {
		p := pkts[i] // the engine may keep nothing of it, but stay safe
		eng.Packet(&p)
	}
	if err := eng.Finish(); err != nil {
		t.Fatalf("finish: %v", err)
	}
	if err := set.Pcapd.Close(linkType, 65535); err != nil {
		t.Fatalf("close pcapd: %v", err)
	}
	var out outputs
	out.flows, out.packets = flows.l, packets.l
	out.stats = *eng.Stats()
	b, err := os.ReadFile(set.Pcapd.Path())
	if err != nil {
		t.Fatal(err)
	}
	out.pcapd = b
	if st != nil {
		out.report = st.ReportLines()
		out.counters = st.Counters()
		if err := st.Err(); err != nil {
			t.Errorf("kernel side: %v", err)
		}
	}
	return out
}

// compareEngines runs pkts through both engines and fails on any
// difference in the flows, the packet lines, the extracted packets or the
// end-report figures. It returns the bpf run.
func compareEngines(t *testing.T, cfg engine.Config, linkType uint32, pkts []capture.Packet) outputs {
	t.Helper()
	g := runEngine(t, cfg, linkType, pkts, false)
	b := runEngine(t, cfg, linkType, pkts, true)
	if len(g.flows) == 0 {
		t.Fatal("the Go engine wrote no flow: the scenario tests nothing")
	}
	diffLines(t, "flow", g.flows, b.flows)
	diffLines(t, "packet", g.packets, b.packets)
	if string(g.pcapd) != string(b.pcapd) {
		t.Errorf("pcapd files differ: %d bytes (go) vs %d (bpf)", len(g.pcapd), len(b.pcapd))
	}
	if !reflect.DeepEqual(g.stats, b.stats) {
		t.Errorf("end-report figures differ:\n go  %+v\n bpf %+v", g.stats.Summary, b.stats.Summary)
	}
	for _, l := range b.report {
		if strings.HasPrefix(l, "[WRN]") {
			t.Errorf("bpf report: %s", l)
		}
	}
	c := b.counters
	if c.ParseMismatch+c.TableMismatch+c.RingMismatch+c.Errors != 0 {
		t.Errorf("bpf checks: %+v", c)
	}
	return b
}

func diffLines(t *testing.T, what string, g, b []string) {
	t.Helper()
	if len(g) != len(b) {
		t.Errorf("%d %s lines (go) vs %d (bpf)", len(g), what, len(b))
	}
	shown := 0
	for i := range min(len(g), len(b)) {
		if g[i] != b[i] && shown < 5 {
			shown++
			t.Errorf("%s line %d differs:\n go  %s\n bpf %s", what, i+1, g[i], b[i])
		}
	}
}

// capBuilder accumulates a capture: frames with their times and link types.
type capBuilder struct {
	t    *testing.T
	pkts []capture.Packet
}

func (c *capBuilder) add(at int64, link uint32, frame []byte) {
	c.pkts = append(c.pkts, capture.Packet{
		Data: frame, TsNs: t0 + at, CapLen: uint32(len(frame)), OrigLen: uint32(len(frame)),
		LinkType: link, Record: uint64(len(c.pkts) + 1), Offset: 24,
	})
}

// Link types of the test captures.
const (
	linkEth = datapath.LinkEthernet
	linkRaw = datapath.LinkRaw
)

var (
	macA = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0a}
	macB = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0b}
)

// l3 is an IPv4 header template; frag describes its fragment fields.
type frag struct {
	id     uint16
	offset uint16 // in 8-byte units
	more   bool
}

func ip4(src, dst string, proto layers.IPProtocol, f frag) *layers.IPv4 {
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, Id: f.id, FragOffset: f.offset,
		SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
	if f.more {
		ip.Flags = layers.IPv4MoreFragments
	}
	return ip
}

// encap is how a frame carries its IP packet: plainly in Ethernet (the
// program handles it), under an MPLS label (the program punts it), or as
// a raw IP record (another link type: not run).
type encap int

const (
	plain encap = iota
	mpls
	raw
)

func (e encap) String() string { return [...]string{"plain", "mpls", "raw"}[e] }

// build wraps IP-level layers ls as e and returns the frame and its link type.
func build(t *testing.T, e encap, ls ...gopacket.SerializableLayer) ([]byte, uint32) {
	t.Helper()
	switch e {
	case mpls:
		head := []gopacket.SerializableLayer{&layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: layers.EthernetTypeMPLSUnicast},
			&layers.MPLS{Label: 16, StackBottom: true, TTL: 64}}
		return testenv.Serialize(t, append(head, ls...)...), linkEth
	case raw:
		return testenv.Serialize(t, ls...), linkRaw
	}
	head := []gopacket.SerializableLayer{&layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: layers.EthernetTypeIPv4}}
	return testenv.Serialize(t, append(head, ls...)...), linkEth
}

// udpFrag is one IPv4 fragment of a UDP datagram: the first carries the
// UDP header, later ones payload only.
func (c *capBuilder) udpFrag(at int64, e encap, src string, sport uint16, dst string, dport uint16, f frag, n int) {
	c.t.Helper()
	ip := ip4(src, dst, layers.IPProtocolUDP, f)
	var b []byte
	var link uint32
	if f.offset == 0 {
		b, link = build(c.t, e, ip, &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}, gopacket.Payload(make([]byte, n)))
	} else {
		b, link = build(c.t, e, ip, gopacket.Payload(make([]byte, n)))
	}
	c.add(at, link, b)
}

// udp adds an unfragmented UDP packet.
func (c *capBuilder) udp(at int64, e encap, src string, sport uint16, dst string, dport uint16, n int) {
	c.t.Helper()
	c.udpFrag(at, e, src, sport, dst, dport, frag{}, n)
}

// tcp adds a TCP segment; flags is a subset of "SAFRP".
func (c *capBuilder) tcp(at int64, e encap, src string, sport uint16, dst string, dport uint16, flags string, seq, ack uint32, win uint16, n int) {
	c.t.Helper()
	tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: seq, Ack: ack, Window: win,
		SYN: strings.Contains(flags, "S"), ACK: strings.Contains(flags, "A"), FIN: strings.Contains(flags, "F"),
		RST: strings.Contains(flags, "R"), PSH: strings.Contains(flags, "P"), DataOffset: 5}
	b, link := build(c.t, e, ip4(src, dst, layers.IPProtocolTCP, frag{}), tcp, gopacket.Payload(make([]byte, n)))
	c.add(at, link, b)
}
