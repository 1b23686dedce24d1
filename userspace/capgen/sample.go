package capgen

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"sort"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// IP protocol numbers used in DirKey.Proto.
const (
	protoICMP = layers.IPProtocolICMPv4
	protoTCP  = layers.IPProtocolTCP
	protoUDP  = layers.IPProtocolUDP
)

// WriteSample writes flowtap's sample capture to w: a few hundred Ethernet
// frames in a classic microsecond pcap, covering every case listed in the
// package documentation, and returns its ground truth.
func WriteSample(w io.Writer, cfg SampleConfig) (*Truth, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("sample config: %w", err)
	}
	cfg = cfg.withDefaults()
	b := newSampleBuilder(cfg)
	if err := b.build(); err != nil {
		return nil, fmt.Errorf("build sample: %w", err)
	}
	// Scenarios run on their own clocks; sorting interleaves them like a real
	// link. The sort is stable so a connection's equal-time frames keep order.
	sort.SliceStable(b.frames, func(i, j int) bool { return b.frames[i].at < b.frames[j].at })
	// Shift so the first frame is at exactly cfg.Start.
	first := b.frames[0].at
	for i := range b.frames {
		b.frames[i].at -= first
	}
	pw, err := newPcapWriter(w, 1<<16)
	if err != nil {
		return nil, fmt.Errorf("write sample header: %w", err)
	}
	for _, f := range b.frames {
		if err := pw.write(cfg.Start.Add(f.at), f.data); err != nil {
			return nil, fmt.Errorf("write sample: %w", err)
		}
	}
	if err := pw.flush(); err != nil {
		return nil, fmt.Errorf("write sample: %w", err)
	}
	return sampleTruth(cfg.Start, b.frames), nil
}

// sampleFrame is one serialized frame with what the truth needs to know.
type sampleFrame struct {
	at     time.Duration // offset from Config.Start, whole microseconds
	data   []byte
	key    DirKey // IP direction; later fragments carry their datagram's key
	lowWin bool   // TCP header with raw window 0
	l2     *l2Key // set for non-IP frames
}

// l2Key is T2's key for an L2 flow: MAC pair and ethType.
type l2Key struct {
	src, dst [6]byte
	ethType  uint16
}

// host is one station: its addresses, TTL and IPv4 ID counter.
type host struct {
	mac  net.HardwareAddr
	ip   netip.Addr
	ttl  uint8
	ipID uint16
}

// vlanTag is one 802.1Q/802.1ad tag: its TPID and full TCI (PCP, DEI, VID).
type vlanTag struct {
	tpid layers.EthernetType
	tci  uint16
}

type sampleBuilder struct {
	cfg    SampleConfig
	rng    *rand.Rand
	frames []sampleFrame
	hosts  int
	buf    gopacket.SerializeBuffer
	opts   gopacket.SerializeOptions
	// err is the first error of a scenario; later emits are skipped, which
	// keeps scenario code a plain sequence of steps.
	err error
}

func newSampleBuilder(cfg SampleConfig) *sampleBuilder {
	return &sampleBuilder{
		cfg:  cfg,
		rng:  rand.New(rand.NewPCG(uint64(cfg.Seed), 0x63617067656e)), // "capgen"
		buf:  gopacket.NewSerializeBuffer(),
		opts: gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
	}
}

// newHost creates a station with a locally administered MAC address.
func (b *sampleBuilder) newHost(ip string, ttl uint8) *host {
	b.hosts++
	return &host{
		mac:  net.HardwareAddr{0x02, 0x00, 0x5e, 0x10, byte(b.hosts >> 8), byte(b.hosts)},
		ip:   netip.MustParseAddr(ip),
		ttl:  ttl,
		ipID: uint16(b.rng.Uint32()),
	}
}

// jitter returns d scaled by a random factor in [0.75, 1.25), rounded to µs.
func (b *sampleBuilder) jitter(d time.Duration) time.Duration {
	f := 0.75 + b.rng.Float64()/2
	return time.Duration(float64(d) * f).Round(time.Microsecond)
}

// ephemeralPort returns a client port from the Linux ephemeral range.
func (b *sampleBuilder) ephemeralPort() uint16 {
	return uint16(32768 + b.rng.IntN(60999-32768))
}

// payload returns n random bytes.
func (b *sampleBuilder) payload(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(b.rng.Uint32())
	}
	return p
}

// serialize serializes layers into a fresh byte slice.
func (b *sampleBuilder) serialize(ls ...gopacket.SerializableLayer) ([]byte, error) {
	if err := gopacket.SerializeLayers(b.buf, b.opts, ls...); err != nil {
		return nil, err
	}
	return append([]byte(nil), b.buf.Bytes()...), nil
}

// l2Layers returns the Ethernet header and VLAN tags carrying ethType.
func l2Layers(src, dst net.HardwareAddr, tags []vlanTag, ethType layers.EthernetType) []gopacket.SerializableLayer {
	eth := &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: ethType}
	ls := []gopacket.SerializableLayer{eth}
	if len(tags) > 0 {
		eth.EthernetType = tags[0].tpid
	}
	for i, t := range tags {
		next := ethType
		if i+1 < len(tags) {
			next = tags[i+1].tpid
		}
		ls = append(ls, &layers.Dot1Q{
			Priority:       uint8(t.tci >> 13),
			DropEligible:   t.tci&0x1000 != 0,
			VLANIdentifier: t.tci & 0x0fff,
			Type:           next,
		})
	}
	return ls
}

// build runs every scenario; each appends frames on its own clock.
func (b *sampleBuilder) build() error {
	steps := []func(){
		b.arpExchange, b.bulkDownload, b.bulkUpload, b.zeroWindowRecovery, b.zeroWindowStuck,
		b.refusedConnections, b.synAckZeroWindow, b.dnsQueries, b.icmpEcho, b.vlanConnection,
		b.qinqConnection, b.ipv6Connection, b.ipv6DNS, b.fragmentedUDP, b.fragmentedTCP,
		b.idleConnection,
	}
	for _, step := range steps {
		step()
		if b.err != nil {
			return b.err
		}
	}
	return nil
}
