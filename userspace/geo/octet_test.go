package geo

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// v4Probes returns IPv4 addresses around every /8 boundary and every
// span's ends, plus random ones.
func v4Probes(t *testing.T, db *DB) []uint32 {
	t.Helper()
	var ks []uint32
	for o := range uint32(256) {
		ks = append(ks, o<<24, o<<24|1, o<<24|0xffffff, o<<24|0xfffffe)
	}
	for _, s := range db.v4.spans {
		f, l := uint32(s.first.lo), uint32(s.last.lo)
		ks = append(ks, f-1, f, f+1, l-1, l, l+1)
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for range 200_000 {
		ks = append(ks, rng.Uint32())
	}
	return ks
}

// TestFind4MatchesFind checks the octet-indexed search against the
// binary search over the whole IPv4 table, and LookupIPv4 against Lookup
// and the brute-force oracle.
func TestFind4MatchesFind(t *testing.T) {
	db := NewBuiltin()
	o := newOracle(t)
	for _, k := range v4Probes(t, db) {
		if got, want := db.v4.find4(k), db.v4.find(u128{0, uint64(k)}); got != want {
			t.Fatalf("find4(%#x) = %v, find = %v", k, got, want)
		}
		var a [4]byte
		binary.BigEndian.PutUint32(a[:], k)
		ip := netip.AddrFrom4(a)
		got := db.LookupIPv4(a)
		if want := o.lookup(ip); got != want {
			t.Fatalf("LookupIPv4(%s) = %+v, oracle %+v", ip, got, want)
		}
		if l := db.Lookup(ip); l != got {
			t.Fatalf("Lookup(%s) = %+v, LookupIPv4 %+v", ip, l, got)
		}
	}
}

// TestOctetIndexCoversSpans checks that every span is listed under every
// /8 it meets, and under no other.
func TestOctetIndexCoversSpans(t *testing.T) {
	tb := NewBuiltin().v4
	for i, s := range tb.spans {
		for o := range uint64(256) {
			meets := s.first.lo <= o<<24|0xffffff && s.last.lo >= o<<24
			r := tb.octet[o]
			if listed := uint16(i) >= r[0] && uint16(i) < r[1]; listed != meets {
				t.Fatalf("span %d (%#x-%#x) under octet %d: listed %v, meets %v", i, s.first.lo, s.last.lo, o, listed, meets)
			}
		}
	}
}

func BenchmarkLookupIPv4(b *testing.B) {
	db := NewBuiltin()
	ips := [][4]byte{{10, 0, 0, 151}, {198, 51, 100, 254}, {8, 8, 8, 8}, {224, 0, 0, 251}}
	for i := 0; b.Loop(); i++ {
		_ = db.LookupIPv4(ips[i%len(ips)])
	}
}
