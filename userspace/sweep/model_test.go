package sweep

import (
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/flowtable"
	"github.com/flowtap/flowtap/userspace/testenv"
)

// The model test runs random conversations through the offline flow
// table (the T2 semantics flowtap already reproduces) and, at random
// check times, asks both the table (Expire) and the sweeper (over a map
// holding the same flows) which pairs end. They must agree on every pair,
// on its A/B order and on every state field.

const sec = uint64(1_000_000_000)

// event is one packet of a conversation: from the client or not, TCP
// flags ("" for UDP/ICMP/ARP), gap since the previous event.
type event struct {
	fromClient bool
	flags      string
	gap        uint64
}

// scripts are the conversation shapes; the gaps are drawn per run.
var scripts = map[string][]event{
	"tcp-fin":   {{true, "S", 0}, {false, "SA", 0}, {true, "A", 0}, {true, "PA", 0}, {false, "A", 0}, {true, "FA", 0}, {false, "FA", 0}, {true, "A", 0}},
	"tcp-rst":   {{true, "S", 0}, {false, "SA", 0}, {true, "A", 0}, {false, "RA", 0}},
	"tcp-syn":   {{true, "S", 0}},
	"tcp-est":   {{true, "S", 0}, {false, "SA", 0}, {true, "A", 0}, {false, "PA", 0}},
	"tcp-zero":  {{true, "S", 0}, {false, "SA", 0}, {true, "A", 0}, {false, "A0", 0}, {false, "A0", 0}},
	"udp-pair":  {{true, "udp", 0}, {false, "udp", 0}, {true, "udp", 0}},
	"udp-one":   {{true, "udp", 0}},
	"icmp-echo": {{true, "icmp", 0}, {false, "icmp", 0}},
	"arp":       {{true, "arp", 0}, {false, "arp", 0}},
}

// conv is one conversation of a run.
type conv struct {
	id     int
	script []event
	start  uint64
}

type timed struct {
	ts    uint64
	frame []byte
}

func modelFrame(t *testing.T, c conv, e event, seq uint32) []byte {
	cli := net.IP{10, 1, byte(c.id >> 8), byte(c.id)}
	srv := net.IP{192, 168, 0, byte(c.id % 7)}
	cliMAC := net.HardwareAddr{2, 0, 0, 0, byte(c.id >> 8), byte(c.id)}
	srvMAC := net.HardwareAddr{2, 0, 0, 1, 0, byte(c.id % 7)}
	sport, dport := uint16(40000+c.id), uint16(80+c.id%3)
	src, dst, smac, dmac := cli, srv, cliMAC, srvMAC
	if !e.fromClient {
		src, dst, smac, dmac, sport, dport = srv, cli, srvMAC, cliMAC, dport, sport
	}
	ethType := layers.EthernetTypeIPv4
	if e.flags == "arp" {
		ethType = layers.EthernetTypeARP
	}
	ls := []gopacket.SerializableLayer{&layers.Ethernet{SrcMAC: smac, DstMAC: dmac, EthernetType: ethType}}
	proto := map[string]layers.IPProtocol{"udp": layers.IPProtocolUDP, "icmp": layers.IPProtocolICMPv4, "arp": 0}[e.flags]
	if proto == 0 && e.flags != "arp" {
		proto = layers.IPProtocolTCP
	}
	switch e.flags {
	case "arp":
		op := uint16(layers.ARPRequest)
		if !e.fromClient {
			op = layers.ARPReply
		}
		ls = append(ls, &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
			Operation: op, SourceHwAddress: smac, SourceProtAddress: src.To4(), DstHwAddress: make([]byte, 6), DstProtAddress: dst.To4()})
		return testenv.Serialize(t, ls...)
	case "udp":
		ls = append(ls, &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: src, DstIP: dst},
			&layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}, gopacket.Payload("hello"))
	case "icmp":
		typ := uint8(layers.ICMPv4TypeEchoRequest)
		if !e.fromClient {
			typ = layers.ICMPv4TypeEchoReply
		}
		ls = append(ls, &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: src, DstIP: dst},
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, 0), Id: uint16(c.id), Seq: uint16(seq)})
	default:
		tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: seq, Window: 1000}
		for _, f := range e.flags {
			switch f {
			case 'S':
				tcp.SYN = true
			case 'A':
				tcp.ACK, tcp.Ack = true, seq
			case 'F':
				tcp.FIN = true
			case 'R':
				tcp.RST = true
			case 'P':
				tcp.PSH = true
			case '0':
				tcp.Window = 0
			}
		}
		ls = append(ls, &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: src, DstIP: dst}, tcp)
	}
	return testenv.Serialize(t, ls...)
}

// gaps are drawn from these, so that every timeout (0.1, 10, 120, 182,
// 610 s) is crossed in both directions.
var gapChoices = []uint64{0, sec / 1000, sec / 20, sec / 5, 5 * sec, 15 * sec, 100 * sec, 150 * sec, 200 * sec, 700 * sec}

func modelTraffic(t *testing.T, rng *rand.Rand, n int) []timed {
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range scripts {
			if !yield(k) {
				return
			}
		}
	})
	var pkts []timed
	for i := range n {
		c := conv{id: i + 1, script: scripts[names[rng.IntN(len(names))]], start: rng.Uint64N(1500 * sec)}
		ts := c.start
		for j, e := range c.script {
			if j > 0 {
				ts += gapChoices[rng.IntN(len(gapChoices))]
			}
			pkts = append(pkts, timed{ts: ts, frame: modelFrame(t, c, e, uint32(1000+j))})
		}
	}
	slices.SortStableFunc(pkts, func(a, b timed) int {
		switch {
		case a.ts < b.ts:
			return -1
		case a.ts > b.ts:
			return 1
		}
		return 0
	})
	return pkts
}

// pairText renders an emitted pair for comparison: keys and full states.
func pairText(a, b *flowtable.Flow) string {
	s := fmt.Sprintf("A %+v %+v", a.Key, a.State)
	if b != nil {
		s += fmt.Sprintf(" | B %+v %+v", b.Key, b.State)
	}
	return s
}

func TestModelAgainstFlowtable(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			pkts := modelTraffic(t, rng, 60)
			cfg := datapath.Config{FlowTimeoutNs: 182 * sec, TCPWinThres: 1, PDEq: true}
			tbl := flowtable.New(1<<12, append([]uint64{cfg.FlowTimeoutNs}, datapath.Timeouts[:]...))
			var keys []flowtable.Key
			var m datapath.Meta
			next := 0
			checks, ended := 0, 0
			for now := uint64(0); next < len(pkts); now = nextCheck(rng, now, tbl, keys) {
				for ; next < len(pkts) && pkts[next].ts <= now; next++ {
					p := pkts[next]
					datapath.Parse(&m, p.frame, uint32(len(p.frame)), datapath.LinkEthernet)
					if m.NoFlow {
						t.Fatalf("model packet without flow: %x", p.frame)
					}
					res := tbl.Resolve(&m, p.ts, tbl.Hash(&m.Key), &cfg, func(a, b *flowtable.Flow) { t.Fatal("table evicted a flow") })
					f := res.Flow
					var opp *datapath.State
					if o := tbl.Opposite(f); o != nil {
						opp = &o.State
					}
					datapath.Update(&f.State, opp, &m, p.ts, res.New, &cfg)
					tbl.Seen(f)
					if res.New {
						keys = append(keys, f.Key)
					}
				}
				fm := newFakeMap()
				for _, k := range keys {
					if f := tbl.Lookup(&k); f != nil {
						fm.put(k, f.State)
					}
				}
				var want, got []string
				tbl.Expire(now, func(a, b *flowtable.Flow) { want = append(want, pairText(a, b)) })
				s := New(fm, &fixedClock{now: now}, func(a, b *flowtable.Flow) { got = append(got, pairText(a, b)) }, quiet())
				if _, err := s.Sweep(); err != nil {
					t.Fatal(err)
				}
				slices.Sort(want)
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Fatalf("check at %d ns: sweeper wrote\n%s\nflow table wrote\n%s", now, joinN(got), joinN(want))
				}
				if tbl.Live() != len(fm.m) {
					t.Fatalf("check at %d ns: %d directions left in the map, %d in the table", now, len(fm.m), tbl.Live())
				}
				checks++
				ended += len(want)
			}
			if ended == 0 || checks < 5 {
				t.Fatalf("degenerate run: %d checks, %d pairs ended", checks, ended)
			}
		})
	}
}

// nextCheck returns the next check time: half of the time the exact
// moment a live flow reaches its timeout (so that "at least its timeout"
// is tested at the boundary), else a random step.
func nextCheck(rng *rand.Rand, now uint64, tbl *flowtable.Table, keys []flowtable.Key) uint64 {
	if rng.IntN(2) == 0 {
		due := uint64(0)
		for _, k := range keys {
			if f := tbl.Lookup(&k); f != nil {
				if d := f.State.LastNs + f.State.TimeoutNs; d > now && (due == 0 || d < due) {
					due = d
				}
			}
		}
		if due != 0 {
			return due
		}
	}
	return now + rng.Uint64N(60*sec) + 1
}

func joinN(lines []string) string {
	out := ""
	for _, l := range lines {
		out += "  " + l + "\n"
	}
	return out
}
