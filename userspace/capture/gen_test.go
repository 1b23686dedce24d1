package capture

import (
	"encoding/binary"
	"net"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/userspace/testenv"
)

// testPackets builds Ethernet/IPv4/TCP frames with the given payload sizes.
func testPackets(t testing.TB, payloads ...int) [][]byte {
	t.Helper()
	var out [][]byte
	for i, n := range payloads {
		eth := &layers.Ethernet{
			SrcMAC:       net.HardwareAddr{0x02, 0, 0, 0, 0, 1},
			DstMAC:       net.HardwareAddr{0x02, 0, 0, 0, 0, 2},
			EthernetType: layers.EthernetTypeIPv4,
		}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP,
			SrcIP: net.IPv4(10, 0, 0, 1), DstIP: net.IPv4(10, 0, 0, 2)}
		tcp := &layers.TCP{SrcPort: 40000, DstPort: 80, Seq: uint32(i), ACK: true, Window: 512}
		payload := make([]byte, n)
		for j := range payload {
			payload[j] = byte(i + j)
		}
		out = append(out, testenv.SerializeWithChecksums(t, eth, ip, tcp, gopacket.Payload(payload)))
	}
	return out
}

// genTs is the timestamp of generated packet i: 1.5 ms apart, starting
// with a non-zero sub-microsecond part.
func genTs(i int) int64 { return 1_700_000_000_123_456_789 + int64(i)*1_500_321 }

// buildPcap writes n packets as a little-endian classic pcap (microsecond
// or nanosecond), by hand so that reader tests do not depend on Writer.
func buildPcap(t testing.TB, n int, nano bool) []byte {
	t.Helper()
	tmpl := testPackets(t, 0, 6, 100, 500, 1460)
	le := binary.LittleEndian
	magic, unit := uint32(0xa1b2c3d4), int64(1000)
	if nano {
		magic, unit = 0xa1b23c4d, 1
	}
	out := le.AppendUint32(nil, magic)
	out = le.AppendUint16(out, 2)
	out = le.AppendUint16(out, 4)
	out = le.AppendUint64(out, 0) // thiszone, sigfigs
	out = le.AppendUint32(out, 65535)
	out = le.AppendUint32(out, 1)
	for i := range n {
		d := tmpl[i%len(tmpl)]
		ts := genTs(i)
		out = le.AppendUint32(out, uint32(ts/1e9))
		out = le.AppendUint32(out, uint32(ts%1e9/unit))
		out = le.AppendUint32(out, uint32(len(d)))
		out = le.AppendUint32(out, uint32(len(d)))
		out = append(out, d...)
	}
	return out
}

// buildPcapng writes n packets as a big-endian pcapng file with one
// nanosecond-resolution Ethernet interface.
func buildPcapng(t testing.TB, n int) []byte {
	t.Helper()
	tmpl := testPackets(t, 0, 100, 1460)
	be := binary.BigEndian
	out := be.AppendUint32(nil, 0x0a0d0d0a)
	out = be.AppendUint32(out, 28)
	out = be.AppendUint32(out, 0x1a2b3c4d)
	out = be.AppendUint16(out, 1)
	out = be.AppendUint16(out, 0)
	out = be.AppendUint64(out, ^uint64(0)) // section length unknown
	out = be.AppendUint32(out, 28)
	// IDB with if_tsresol = 9 and end of options.
	out = be.AppendUint32(out, 1)
	out = be.AppendUint32(out, 32)
	out = be.AppendUint16(out, 1)
	out = be.AppendUint16(out, 0)
	out = be.AppendUint32(out, 0)
	out = be.AppendUint16(out, 9)
	out = be.AppendUint16(out, 1)
	out = append(out, 9, 0, 0, 0)
	out = be.AppendUint32(out, 0)
	out = be.AppendUint32(out, 32)
	for i := range n {
		d := tmpl[i%len(tmpl)]
		padded := (len(d) + 3) &^ 3
		blen := uint32(32 + padded)
		ts := uint64(genTs(i))
		out = be.AppendUint32(out, 6)
		out = be.AppendUint32(out, blen)
		out = be.AppendUint32(out, 0)
		out = be.AppendUint32(out, uint32(ts>>32))
		out = be.AppendUint32(out, uint32(ts))
		out = be.AppendUint32(out, uint32(len(d)))
		out = be.AppendUint32(out, uint32(len(d)))
		out = append(out, d...)
		out = append(out, make([]byte, padded-len(d))...)
		out = be.AppendUint32(out, blen)
	}
	return out
}
