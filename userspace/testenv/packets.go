package testenv

import (
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Serialize builds a frame from gopacket layers, fixing lengths (IHL, IP
// total length, UDP length, TCP data offset) but leaving checksums zero,
// for tests of code that never looks at them. Ethernet pads to 60 bytes.
func Serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	return serialize(t, gopacket.SerializeOptions{FixLengths: true}, ls)
}

// SerializeWithChecksums is Serialize with every checksum computed, for
// frames that external tools (tshark, tcpdump) must accept as valid. A TCP
// or UDP layer takes its pseudo-header from the nearest IPv4 or IPv6 layer
// before it.
func SerializeWithChecksums(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	var ip gopacket.NetworkLayer
	for _, l := range ls {
		switch l := l.(type) {
		case *layers.IPv4:
			ip = l
		case *layers.IPv6:
			ip = l
		case *layers.TCP:
			setPseudoHeader(t, l.SetNetworkLayerForChecksum, ip)
		case *layers.UDP:
			setPseudoHeader(t, l.SetNetworkLayerForChecksum, ip)
		}
	}
	return serialize(t, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls)
}

func setPseudoHeader(t testing.TB, set func(gopacket.NetworkLayer) error, ip gopacket.NetworkLayer) {
	t.Helper()
	if ip == nil {
		t.Fatal("serialize: a TCP or UDP layer needs an IP layer before it for its checksum")
	}
	if err := set(ip); err != nil {
		t.Fatalf("serialize: %v", err)
	}
}

func serialize(t testing.TB, opts gopacket.SerializeOptions, ls []gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		t.Fatalf("serialize %d layers: %v", len(ls), err)
	}
	// A copy, so that the frame does not alias the buffer's spare capacity.
	return append([]byte(nil), buf.Bytes()...)
}

// FlowKeyIP puts an address into a 16-byte flow-key field: an IPv4
// address in the first 4 bytes with the rest zero, an IPv6 address whole
// (t2-semantics.md section 1). It panics on a malformed literal, which is
// a fault of the test itself.
func FlowKeyIP(s string) [16]byte {
	a := netip.MustParseAddr(s)
	if a.Is4() {
		var b [16]byte
		v := a.As4()
		copy(b[:], v[:])
		return b
	}
	return a.As16()
}
