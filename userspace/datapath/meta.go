package datapath

import "github.com/flowtap/flowtap/gen"

// Bounds shared with bpf/types.h and bpf/parse.h.
const (
	MaxHdrDesc  = 4  // distinct header stacks kept per flow
	MaxHdrs     = 15 // header codes kept per stack
	MaxMACs     = 3  // distinct MACs kept per side
	MaxVLANs    = 3  // VLAN TCIs kept per packet and per flow
	maxVLANScan = 8  // tags skipped per Ethernet header before giving up
	maxMPLS     = 8  // MPLS labels skipped
	maxIPv6Ext  = 8  // IPv6 extension headers walked
	maxDepth    = 4  // nested encapsulations (tunnels) followed
	minRawLen   = 64 // T2 MINRAWLEN: frames up to this length may carry padding
)

// L3 kinds of a parsed packet.
const (
	L3None = 0 // no flow-bearing IP header (L2 flow or no flow)
	L3IPv4 = 4
	L3IPv6 = 6
)

// Meta is everything the per-packet update needs from one frame. Parse
// fills it; it is reused across packets without allocation.
type Meta struct {
	Key    gen.FlowtapFlowKey
	Status uint64 // packet status bits (flowStat bits set by this packet)

	L3           uint8 // L3None, L3IPv4 or L3IPv6 (innermost header, the flow's)
	NoFlow       bool  // the packet cannot be attributed to any flow
	L2Flow       bool  // non-IP frame: an L2 flow keyed by MACs and ethertype
	L4Proto      uint8
	L7Len        uint32 // T2 packet->len with PACKETLENGTH=3 (section 5)
	PadLen       uint32 // Ethernet padding bytes
	L2Len        uint32 // T2's estimate of the L2 length (bytesOnWire)
	L3Off        uint32 // offset of the flow's IP header in the frame
	OuterEthType uint16

	// Fragments (IPv4 and IPv6).
	FragLater bool   // a non-first fragment: no L4 header
	FragFirst bool   // first fragment of a fragmented datagram (MF set, offset 0)
	FragMore  bool   // MF flag
	FragID    uint32 // IPv4 ID or IPv6 fragment identification
	// ViaFragTable is set by the flow table when a non-first fragment was
	// matched to its datagram's flow: T2 skips the DUPIPID check then.
	ViaFragTable bool
	IPID         uint16 // IPv4 ID (DUPIPID), 0 for IPv6

	TTL uint8 // IPv4 TTL or IPv6 hop limit of the flow's IP header

	// TCP (valid when TCPValid).
	TCPValid bool // first fragment with at least 13 bytes of captured TCP header
	TCPFlags uint8
	TCPSeq   uint32
	TCPAck   uint32
	TCPWin   uint16
	TCPWinOK bool // the window field was captured
	ICMPOK   bool

	Hdrs    [MaxHdrs]uint8 // header stack (Hdr codes)
	NHdrs   uint8          // headers in Hdrs (capped at MaxHdrs)
	HdrCnt  uint16         // headers counted (uncapped), for the end report
	VLANs   [MaxVLANs]uint16
	NVLANs  uint8 // tags kept (<= MaxVLANs)
	VLANCnt uint8 // tags seen
	MPLSCnt uint8
	SrcMAC  [6]byte
	DstMAC  [6]byte
	HasMAC  bool

	capLen uint32 // captured bytes of the frame
}

func (m *Meta) reset() {
	*m = Meta{}
}

func (m *Meta) addHdr(h Hdr) {
	if m.NHdrs < MaxHdrs {
		m.Hdrs[m.NHdrs] = uint8(h)
		m.NHdrs++
	}
	m.HdrCnt++
}
