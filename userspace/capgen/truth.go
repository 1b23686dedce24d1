package capgen

import (
	"net/netip"
	"sort"
	"time"
)

// DirKey names one direction of a conversation the way T2 keys an IP flow
// (t2-semantics.md section 1), without the VLAN and ethType parts: capgen
// never reuses an address pair across VLANs or IP versions, so these fields
// alone are unique. Ports are 0 for ICMP, as in T2.
type DirKey struct {
	Src, Dst netip.AddrPort
	Proto    uint8
}

// Reverse returns the key of the opposite direction.
func (k DirKey) Reverse() DirKey {
	return DirKey{Src: k.Dst, Dst: k.Src, Proto: k.Proto}
}

// DirTruth is what the generator wrote in one direction.
type DirTruth struct {
	// Packets counts frames, including IPv4 fragments without an L4 header:
	// like T2, later fragments belong to the first fragment's direction.
	Packets int
	// Bytes is the sum of captured frame lengths.
	Bytes int
	// LowWindow counts TCP headers whose raw 16-bit window is below 1, the
	// tcpWin default threshold. Only first fragments carry a TCP header.
	LowWindow int
	// Flows is how many T2 flows this direction forms under the core 182 s
	// timeout: 1, plus 1 per idle gap of the conversation of at least 182 s
	// after which this direction sends again.
	Flows int
}

// Truth is the ground truth of a generated capture.
//
// WriteSample fills every field. WriteBench leaves Dirs nil and reports only
// the totals, because a per-direction map for 100,000 connections would cost
// more memory than the rest of the generator.
type Truth struct {
	// Packets is the number of frames written.
	Packets int
	// Bytes is the sum of captured frame lengths.
	Bytes int64
	// LowWindow is the number of TCP headers with a raw window below 1.
	LowWindow int
	// TCPConns is the number of distinct TCP connections (address and port
	// pairs), as a conversation list such as `tshark -z conv,tcp` counts them.
	TCPConns int
	// ZeroWindowConns is the number of TCP connections with a LowWindow packet.
	ZeroWindowConns int
	// L2Packets counts non-IP frames (ARP); they are not in Dirs.
	L2Packets int
	// L2Flows is the number of T2 L2 flows those frames form (MAC pair and
	// ethType; a broadcast request and its unicast reply are two flows).
	L2Flows int
	// First and Last are the timestamps of the first and last frame.
	First, Last time.Time
	// Dirs holds one entry per IP direction; nil for WriteBench.
	Dirs map[DirKey]*DirTruth
}

// sampleTruth builds the Truth of time-ordered sample frames.
func sampleTruth(start time.Time, frames []sampleFrame) *Truth {
	t := &Truth{Dirs: make(map[DirKey]*DirTruth)}
	l2 := make(map[l2Key]bool)
	for i, f := range frames {
		ts := start.Add(f.at)
		if i == 0 {
			t.First = ts
		}
		t.Last = ts
		t.Packets++
		t.Bytes += int64(len(f.data))
		if f.l2 != nil {
			t.L2Packets++
			l2[*f.l2] = true
			continue
		}
		d := t.Dirs[f.key]
		if d == nil {
			d = &DirTruth{}
			t.Dirs[f.key] = d
		}
		d.Packets++
		d.Bytes += len(f.data)
		if f.lowWin {
			d.LowWindow++
			t.LowWindow++
		}
	}
	t.L2Flows = len(l2)
	countConns(t)
	countFlows(t, frames)
	return t
}

// countConns fills TCPConns and ZeroWindowConns from Dirs.
func countConns(t *Truth) {
	for k, d := range t.Dirs {
		if k.Proto != uint8(protoTCP) {
			continue
		}
		r := t.Dirs[k.Reverse()]
		// Count each pair once: from its lesser key, or from a lone direction.
		if r != nil && !lessKey(k, k.Reverse()) {
			continue
		}
		t.TCPConns++
		if d.LowWindow > 0 || r != nil && r.LowWindow > 0 {
			t.ZeroWindowConns++
		}
	}
}

// countFlows splits each conversation at idle gaps of at least T2's flow
// timeout: T2 expires a pair only when both directions are idle that long.
func countFlows(t *Truth, frames []sampleFrame) {
	type convState struct {
		last    time.Duration
		segment int
	}
	convs := make(map[DirKey]*convState)
	seen := make(map[DirKey]int) // direction → last segment it sent in, plus 1
	for _, f := range frames {
		if f.l2 != nil {
			continue
		}
		ck := f.key
		if lessKey(ck.Reverse(), ck) {
			ck = ck.Reverse()
		}
		c := convs[ck]
		if c == nil {
			c = &convState{}
			convs[ck] = c
		} else if f.at-c.last >= coreFlowTimeout {
			c.segment++
		}
		c.last = f.at
		if seen[f.key] != c.segment+1 {
			seen[f.key] = c.segment + 1
			t.Dirs[f.key].Flows++
		}
	}
}

func lessKey(a, b DirKey) bool {
	if c := a.Src.Compare(b.Src); c != 0 {
		return c < 0
	}
	if c := a.Dst.Compare(b.Dst); c != 0 {
		return c < 0
	}
	return a.Proto < b.Proto
}

// SortedKeys returns the keys of t.Dirs in a stable order, for reports.
func (t *Truth) SortedKeys() []DirKey {
	keys := make([]DirKey, 0, len(t.Dirs))
	for k := range t.Dirs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return lessKey(keys[i], keys[j]) })
	return keys
}
