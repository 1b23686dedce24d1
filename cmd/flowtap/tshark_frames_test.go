package main

// tshark side of TestTSharkParity (tshark_test.go): run tshark once per
// capture, key every frame as T2 keys flows, and cut corrupt captures down
// to their readable records.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tsharkFields are the columns asked from tshark, in this order. With
// occurrence=a a field lists one value per layer that has it, so the n-th
// "ip" in frame.protocols owns the n-th ip.src.
var tsharkFields = []string{
	"frame.number", "frame.encap_type", "frame.protocols",
	"ip.src", "ip.dst", "ip.proto", "ip.id", "ip.frag_offset", "ip.flags.mf",
	"ipv6.src", "ipv6.dst", "ipv6.nxt",
	"ipv6.hopopts.nxt", "ipv6.routing.nxt", "ipv6.dstopts.nxt", "ipv6.fraghdr.nxt",
	"ipv6.fraghdr.offset", "ipv6.fraghdr.more", "ipv6.fraghdr.ident",
	"tcp.srcport", "tcp.dstport", "tcp.window_size_value",
	"udp.srcport", "udp.dstport", "sctp.srcport", "sctp.dstport",
}

// tsharkPrefs stop reassembly (IPv4, IPv6 and TCP), so no frame is
// dissected as part of another one and every fragment keeps its own
// headers; `tshark -G defaultprefs | grep -i defrag` lists them.
var tsharkPrefs = []string{
	"ip.defragment:FALSE", "ipv6.defragment:FALSE", "tcp.desegment_tcp_streams:FALSE",
}

// ipv6Ext are tshark's names of the IPv6 extension headers that T2 walks.
var ipv6Ext = map[string]bool{"ipv6.hopopts": true, "ipv6.routing": true, "ipv6.dstopts": true, "ipv6.fraghdr": true}

// tsharkTally runs tshark once and keys every frame.
func tsharkTally(t *testing.T, tshark, path string, tc tsharkCase) *tally {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{"-n", "-r", path, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"}
	for _, p := range tsharkPrefs {
		args = append(args, "-o", p)
	}
	for _, f := range tsharkFields {
		args = append(args, "-e", f)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, tshark, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tshark on %s: %v\n%s", path, err, stderr.String())
	}
	tl := newTally()
	pending := map[fragID]dirKey{}
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		fr, err := parseFrame(sc.Text())
		if err != nil {
			t.Fatalf("tshark line %q: %v", sc.Text(), err)
		}
		if fr.first("frame.encap_type") == "" {
			continue // a pcapng custom block: not a packet record
		}
		tl.records++
		pk, err := fr.packet(tc.stopAt)
		if err != nil {
			t.Fatalf("tshark frame %s: %v", fr.first("frame.number"), err)
		}
		tl.add(pk, pending, tc.looseL4)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return tl
}

// add counts one tshark frame. With loose, a frame whose L4 header was
// not dissected is kept apart and later matched on (src, dst, proto);
// otherwise it counts with ports 0.
func (tl *tally) add(pk *tsPacket, pending map[fragID]dirKey, loose bool) {
	if pk.stopped {
		tl.stopHits++
	}
	if !pk.ip {
		tl.nonIP++
		return
	}
	key := pk.key
	if pk.isFrag {
		key = pk.attribute(pending)
	}
	if loose && pk.noL4 && !(pk.isFrag && pk.fragOff > 0) {
		tl.loose[key.l3()]++
		return
	}
	if pk.win == -2 {
		tl.noWin[key]++
	}
	c := tl.flows[key]
	c.pkts++
	if pk.win == 0 {
		c.lowWin++
	}
	tl.flows[key] = c
}

// fragID names one fragmented datagram.
type fragID struct {
	src, dst netip.Addr
	proto    uint8
	id       uint64
}

// attribute returns the key a fragment counts for, following T2's
// fragment table (t2-semantics.md section 4).
func (p *tsPacket) attribute(pending map[fragID]dirKey) dirKey {
	id := fragID{src: p.key.src, dst: p.key.dst, proto: p.key.proto, id: p.fragID}
	if p.fragOff == 0 {
		if p.more {
			pending[id] = p.key
		}
		return p.key
	}
	key, ok := pending[id]
	if !ok {
		key = p.key // head fragment missing: a flow with ports 0
		key.sport, key.dport = 0, 0
	}
	if !p.more {
		delete(pending, id)
	}
	return key
}

// tsFrame is one line of tshark output: every occurrence of every field.
type tsFrame struct {
	vals   map[string][]string
	protos []string
}

func parseFrame(line string) (*tsFrame, error) {
	cols := strings.Split(line, "\t")
	if len(cols) != len(tsharkFields) {
		return nil, fmt.Errorf("%d columns, want %d", len(cols), len(tsharkFields))
	}
	fr := &tsFrame{vals: map[string][]string{}}
	for i, name := range tsharkFields {
		if cols[i] != "" {
			fr.vals[name] = strings.Split(cols[i], ",")
		}
	}
	fr.protos = strings.Split(fr.first("frame.protocols"), ":")
	return fr, nil
}

func (fr *tsFrame) first(field string) string { return fr.nth(field, 0) }

// nth returns occurrence n of field, or "" when there is none.
func (fr *tsFrame) nth(field string, n int) string {
	if v := fr.vals[field]; n < len(v) {
		return v[n]
	}
	return ""
}

// nthUint parses occurrence n of field (decimal or 0x hex).
func (fr *tsFrame) nthUint(field string, n int) (uint64, error) {
	s := fr.nth(field, n)
	if s == "" {
		return 0, fmt.Errorf("%s #%d missing", field, n)
	}
	return strconv.ParseUint(s, 0, 64)
}

// layerIndex is how many times protos[i] occurs before i: the occurrence
// number of that layer's fields.
func (fr *tsFrame) layerIndex(i int) int {
	n := 0
	for _, p := range fr.protos[:i] {
		if p == fr.protos[i] {
			n++
		}
	}
	return n
}

// tsPacket is one frame as flowtap should key it.
type tsPacket struct {
	ip      bool
	key     dirKey
	win     int  // raw TCP window; -1 without TCP ports, -2 with ports but no window
	noL4    bool // TCP, UDP or SCTP announced but not dissected
	stopped bool // the stack was cut at stopAt
	isFrag  bool
	fragOff uint64
	more    bool
	fragID  uint64
}

// packet picks the key layer: the last IP header before any ICMP (whose
// payload quotes other packets' headers) and before stopAt.
func (fr *tsFrame) packet(stopAt string) (*tsPacket, error) {
	pk := &tsPacket{win: -1}
	end := len(fr.protos)
	for i, p := range fr.protos {
		if p == "icmp" || p == "icmpv6" || p == stopAt {
			end = i
			pk.stopped = p == stopAt
			break
		}
	}
	ipAt := -1
	for i := end - 1; i >= 0; i-- {
		if fr.protos[i] == "ip" || fr.protos[i] == "ipv6" {
			ipAt = i
			break
		}
	}
	if ipAt < 0 {
		return pk, nil
	}
	pk.ip = true
	var next int
	var err error
	if fr.protos[ipAt] == "ip" {
		next, err = fr.ipv4(pk, ipAt)
	} else {
		next, err = fr.ipv6(pk, ipAt, end)
	}
	if err != nil {
		return nil, err
	}
	return pk, fr.ports(pk, next, end)
}

// ipv4 fills the key from the IPv4 layer at protos[at].
func (fr *tsFrame) ipv4(pk *tsPacket, at int) (int, error) {
	n := fr.layerIndex(at)
	var err error
	if pk.key.src, pk.key.dst, err = fr.addrs("ip", n); err != nil {
		return 0, err
	}
	proto, err1 := fr.nthUint("ip.proto", n)
	off, err2 := fr.nthUint("ip.frag_offset", n)
	mf, err3 := fr.nthUint("ip.flags.mf", n)
	id, err4 := fr.nthUint("ip.id", n)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return 0, err
	}
	pk.key.proto = uint8(proto)
	pk.isFrag = off > 0 || mf == 1
	pk.fragOff, pk.more, pk.fragID = off, mf == 1, id
	return at + 1, nil
}

// ipv6 fills the key from the IPv6 layer at protos[at] and the extension
// headers behind it; L4 is the last "next header" of that chain.
func (fr *tsFrame) ipv6(pk *tsPacket, at, end int) (int, error) {
	n := fr.layerIndex(at)
	var err error
	if pk.key.src, pk.key.dst, err = fr.addrs("ipv6", n); err != nil {
		return 0, err
	}
	nxt, err := fr.nthUint("ipv6.nxt", n)
	if err != nil {
		return 0, err
	}
	i := at + 1
	for ; i < end && ipv6Ext[fr.protos[i]]; i++ {
		p, m := fr.protos[i], fr.layerIndex(i)
		if nxt, err = fr.nthUint(p+".nxt", m); err != nil {
			return 0, err
		}
		if p == "ipv6.fraghdr" {
			off, err1 := fr.nthUint("ipv6.fraghdr.offset", m)
			more, err2 := fr.nthUint("ipv6.fraghdr.more", m)
			id, err3 := fr.nthUint("ipv6.fraghdr.ident", m)
			if err := errors.Join(err1, err2, err3); err != nil {
				return 0, err
			}
			pk.isFrag = true
			pk.fragOff, pk.more, pk.fragID = off, more == 1, id
		}
	}
	pk.key.proto = uint8(nxt)
	return i, nil
}

func (fr *tsFrame) addrs(proto string, n int) (netip.Addr, netip.Addr, error) {
	src, err1 := netip.ParseAddr(fr.nth(proto+".src", n))
	dst, err2 := netip.ParseAddr(fr.nth(proto+".dst", n))
	return src, dst, errors.Join(err1, err2)
}

// l4Names maps the protocols whose ports are part of the key.
var l4Names = map[uint8]string{6: "tcp", 17: "udp", 132: "sctp"}

// ports reads the L4 layer at protos[at], if it is the one the IP header
// announces. A layer tshark shows without ports (header cut by the snap
// length) gives ports 0, as in T2.
func (fr *tsFrame) ports(pk *tsPacket, at, end int) error {
	l4, ok := l4Names[pk.key.proto]
	if !ok {
		return nil
	}
	if at >= end || fr.protos[at] != l4 {
		pk.noL4 = true
		return nil
	}
	m := fr.layerIndex(at)
	if fr.nth(l4+".srcport", m) == "" {
		return nil
	}
	sp, err1 := fr.nthUint(l4+".srcport", m)
	dp, err2 := fr.nthUint(l4+".dstport", m)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	pk.key.sport, pk.key.dport = uint16(sp), uint16(dp)
	if l4 == "tcp" {
		pk.win = -2
		if w, err := fr.nthUint("tcp.window_size_value", m); err == nil {
			pk.win = int(w)
		}
	}
	return nil
}

// tsharkPrefixFile writes the first n packet records of a capture (with
// its headers) to a temporary file, so tshark reads exactly what flowtap
// read before the fault.
func tsharkPrefixFile(t *testing.T, path string, n int) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	end, err := captureRecordsEnd(data, n)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if end >= len(data) {
		t.Fatalf("%s: nothing follows record %d, so the file is not corrupt there", path, n)
	}
	out := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(out, data[:end], 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// captureRecordsEnd returns the byte offset right after packet record n
// of a pcap or pcapng file.
func captureRecordsEnd(data []byte, n int) (int, error) {
	if len(data) < 24 {
		return 0, errors.New("too short for a capture header")
	}
	var order binary.ByteOrder = binary.LittleEndian
	switch binary.LittleEndian.Uint32(data) {
	case 0xa1b2c3d4, 0xa1b23c4d:
	case 0xd4c3b2a1, 0x4d3cb2a1:
		order = binary.BigEndian
	case 0x0a0d0d0a:
		return pcapngRecordsEnd(data, n)
	default:
		return 0, errors.New("unknown capture magic")
	}
	off := 24
	for i := 0; i < n; i++ {
		if off+16 > len(data) {
			return 0, fmt.Errorf("record %d header past the end", i+1)
		}
		off += 16 + int(order.Uint32(data[off+8:]))
		if off > len(data) {
			return 0, fmt.Errorf("record %d data past the end", i+1)
		}
	}
	return off, nil
}

// pcapngRecordsEnd walks pcapng blocks until n packet blocks (enhanced,
// simple or obsolete) are behind. Each section header sets the byte order.
func pcapngRecordsEnd(data []byte, n int) (int, error) {
	var order binary.ByteOrder = binary.LittleEndian
	off, seen := 0, 0
	for seen < n {
		if off+12 > len(data) {
			return 0, fmt.Errorf("block at %d past the end", off)
		}
		if binary.LittleEndian.Uint32(data[off:]) == 0x0a0d0d0a {
			order = binary.LittleEndian
			if binary.LittleEndian.Uint32(data[off+8:]) != 0x1a2b3c4d {
				order = binary.BigEndian
			}
		}
		switch order.Uint32(data[off:]) {
		case 2, 3, 6:
			seen++
		}
		size := int(order.Uint32(data[off+4:]))
		if size < 12 || off+size > len(data) {
			return 0, fmt.Errorf("block at %d has bad length %d", off, size)
		}
		off += size
	}
	return off, nil
}
