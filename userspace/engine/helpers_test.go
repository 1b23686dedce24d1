package engine

import (
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/plugins"
	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/geo"
	"github.com/flowtap/flowtap/userspace/testenv"
)

const (
	sec = int64(1_000_000_000)
	ms  = int64(1_000_000)
	t0  = 1_700_000_000 * sec // first packet time of every test
)

// Flow status bits the tests look at (t2-semantics.md section 6).
const (
	bitInvert = uint64(1) << 0
	bitRmFlow = uint64(1) << 41
	bitHFull  = uint64(1) << 42
	bitAlarm  = uint64(1) << 49
)

// lines collects flow or packet lines. The engine writes flow lines from
// its writer goroutine; they are read after Finish.
type lines struct {
	mu sync.Mutex
	l  []string
}

func (w *lines) WriteLine(b []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.l = append(w.l, string(b))
	return nil
}

func (w *lines) get() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.l...)
}

// rig is an engine with its plugins and sinks.
type rig struct {
	t      *testing.T
	eng    *Engine
	set    *plugins.Set
	flows  lines
	pkts   *lines
	prefix string
	cols   map[string]int
	n      int // packets fed
	done   bool
}

type rigOpt func(*Config, *api.Options)

func withForce(c *Config, _ *api.Options)  { c.Datapath.ForceMode = true }
func withPDOpp(c *Config, _ *api.Options)  { c.Datapath.PDOpp = true }
func withAlarms(c *Config, _ *api.Options) { c.AlarmMode = true }
func withMinPkts(n uint32) rigOpt {
	return func(_ *Config, o *api.Options) { o.TCPWinMinPkts = n }
}
func withCapacity(n int) rigOpt { return func(c *Config, _ *api.Options) { c.Capacity = n } }

// newRig builds an engine with flowtap's defaults (182 s timeout,
// threshold 1, PD_EQ=1, 30 minimum packets) and opts applied.
func newRig(t *testing.T, packetMode bool, opts ...rigOpt) *rig {
	t.Helper()
	cfg := Config{
		Datapath: datapath.Config{FlowTimeoutNs: 182 * uint64(sec), TCPWinThres: 1, PDEq: true},
		Capacity: 262144,
	}
	opt := api.Options{TCPWinThres: 1, TCPWinMinPkts: 30, TCPWinMaxIPs: 100, Geo: geo.NewBuiltin()}
	for _, o := range opts {
		o(&cfg, &opt)
	}
	r := &rig{t: t, prefix: filepath.Join(t.TempDir(), "cap"), cols: map[string]int{}}
	r.set = plugins.New(opt, r.prefix, false)
	for i, c := range r.set.Columns() {
		r.cols[c.Name] = i
	}
	var pw PacketWriter
	if packetMode {
		r.pkts = &lines{}
		pw = r.pkts
	}
	r.eng = New(cfg, r.set, &r.flows, pw)
	r.eng.SetSnaplen(65535)
	t.Cleanup(func() { r.finish() })
	return r
}

// feed processes one frame captured at t0 + at.
func (r *rig) feed(at int64, frame []byte) {
	r.n++
	r.eng.Packet(&capture.Packet{
		Data: frame, TsNs: t0 + at, CapLen: uint32(len(frame)), OrigLen: uint32(len(frame)),
		LinkType: 1, Record: uint64(r.n), Offset: 24,
	})
}

// finish ends the run and returns the flow lines split into columns.
func (r *rig) finish() [][]string {
	r.t.Helper()
	if !r.done {
		r.done = true
		if err := r.eng.Finish(); err != nil {
			r.t.Errorf("Finish: %v", err)
		}
		if err := r.set.Pcapd.Close(1, 65535); err != nil {
			r.t.Errorf("pcapd Close: %v", err)
		}
	}
	var out [][]string
	for _, l := range r.flows.get() {
		out = append(out, strings.Split(l, "\t"))
	}
	return out
}

func (r *rig) col(line []string, name string) string {
	r.t.Helper()
	i, ok := r.cols[name]
	if !ok {
		r.t.Fatalf("no column %q", name)
	}
	return line[i]
}

func (r *rig) status(line []string) uint64 {
	r.t.Helper()
	v, err := strconv.ParseUint(strings.TrimPrefix(r.col(line, "flowStat"), "0x"), 16, 64)
	if err != nil {
		r.t.Fatalf("flowStat %q: %v", r.col(line, "flowStat"), err)
	}
	return v
}

// summary renders lines as "dir flowInd src:port>dst:port pkts" for
// order checks and error messages.
func (r *rig) summary(ls [][]string) []string {
	var s []string
	for _, l := range ls {
		s = append(s, l[0]+" "+l[1]+" "+r.col(l, "srcIP")+":"+r.col(l, "srcPort")+">"+
			r.col(l, "dstIP")+":"+r.col(l, "dstPort")+" "+r.col(l, "pktsSnt"))
	}
	return s
}

// extracted returns the capture times (ns after t0) of pcapd's records.
func (r *rig) extracted() []int64 {
	r.t.Helper()
	r.finish()
	c := testenv.ReadPcapFrames(r.t, r.set.Pcapd.Path())
	if c.Ng {
		r.t.Fatal("pcapd output is pcapng, want a classic pcap")
	}
	var ts []int64
	for _, f := range c.Frames {
		ts = append(ts, f.Info.Timestamp.UnixNano()-t0)
	}
	return ts
}

var (
	macA = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0a}
	macB = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0b}
)

func ip4(src, dst string, proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, Id: 0,
		SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
}

// tcpPkt builds Ethernet/IPv4/TCP; flags is a subset of "SAFRP".
func tcpPkt(t *testing.T, src string, sport uint16, dst string, dport uint16, flags string, seq, ack uint32, win uint16, payload int) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: layers.EthernetTypeIPv4}
	ip := ip4(src, dst, layers.IPProtocolTCP)
	tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: seq, Ack: ack, Window: win,
		SYN: strings.Contains(flags, "S"), ACK: strings.Contains(flags, "A"), FIN: strings.Contains(flags, "F"),
		RST: strings.Contains(flags, "R"), PSH: strings.Contains(flags, "P")}
	return testenv.SerializeWithChecksums(t, eth, ip, tcp, gopacket.Payload(make([]byte, payload)))
}

func udpPkt(t *testing.T, src string, sport uint16, dst string, dport uint16, payload int) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: layers.EthernetTypeIPv4}
	ip := ip4(src, dst, layers.IPProtocolUDP)
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	return testenv.SerializeWithChecksums(t, eth, ip, udp, gopacket.Payload(make([]byte, payload)))
}

func arpPkt(t *testing.T, src, dst net.HardwareAddr, op uint16) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeARP}
	target := []byte{0, 0, 0, 0, 0, 0}
	if op == layers.ARPReply {
		target = dst
	}
	arp := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6,
		ProtAddressSize: 4, Operation: op, SourceHwAddress: src, SourceProtAddress: []byte{10, 0, 0, 1},
		DstHwAddress: target, DstProtAddress: []byte{10, 0, 0, 2}}
	return testenv.SerializeWithChecksums(t, eth, arp)
}

// conn is a TCP connection client 10.0.0.1:40000 <-> server 10.0.0.2:80
// with fixed sequence numbers (client ISN 1000, server ISN 5000).
type conn struct {
	t               *testing.T
	cseq, sseq      uint32
	client, server  string
	cport, sportNum uint16
}

func newConn(t *testing.T) *conn {
	return &conn{t: t, cseq: 1000, sseq: 5000, client: "10.0.0.1", server: "10.0.0.2", cport: 40000, sportNum: 80}
}

// c and s build a client or server segment; SYN and FIN consume one
// sequence number, payload bytes consume theirs.
func (c *conn) c(flags string, win uint16, payload int) []byte {
	p := tcpPkt(c.t, c.client, c.cport, c.server, c.sportNum, flags, c.cseq, c.sseq, win, payload)
	c.cseq += uint32(payload) + uint32(strings.Count(flags, "S")+strings.Count(flags, "F"))
	return p
}

func (c *conn) s(flags string, win uint16, payload int) []byte {
	p := tcpPkt(c.t, c.server, c.sportNum, c.client, c.cport, flags, c.sseq, c.cseq, win, payload)
	c.sseq += uint32(payload) + uint32(strings.Count(flags, "S")+strings.Count(flags, "F"))
	return p
}
