package capture

import (
	"encoding/binary"
	"math/bits"
)

// pcapng block types.
const (
	blockSHB = magicNG    // section header
	blockIDB = 0x00000001 // interface description
	blockOPB = 0x00000002 // obsolete packet block
	blockSPB = 0x00000003 // simple packet block
	blockEPB = 0x00000006 // enhanced packet block
)

const (
	byteOrderMagic = 0x1a2b3c4d
	blockHdrLen    = 8  // type and total length
	minBlockLen    = 12 // type, total length, trailing total length
	// maxBlockLen is libpcap's initial bound on a block; the largest packet
	// of most link types (262144 bytes) fits many times over.
	maxBlockLen = 16 * 1024 * 1024
	optEnd      = 0
	optTsResol  = 9  // if_tsresol
	optTsOffset = 14 // if_tsoffset
)

// iface is what a record needs from its interface description block.
type iface struct {
	linkType uint32
	snaplen  uint32 // adjusted like libpcap's
	// Timestamps are ticks of 10^-v or 2^-v s (if_tsresol, default 10^-6);
	// ns = ticks*tsMul, ticks/tsDiv or ticks*1e9>>tsShift, plus tsOffset.
	tsMul, tsDiv uint64
	tsShift      uint
	tsBinary     bool
	tsOffsetNs   int64 // if_tsoffset, seconds, in ns
}

func (f *iface) setResolution(v byte) {
	f.tsMul, f.tsDiv, f.tsShift, f.tsBinary = 0, 0, 0, false
	if v&0x80 != 0 {
		f.tsBinary, f.tsShift = true, uint(v&0x7f)
		return
	}
	e := int(v)
	switch {
	case e <= 9:
		f.tsMul = pow10(9 - e)
	case e-9 <= 19:
		f.tsDiv = pow10(e - 9)
	default:
		// A tick shorter than 10^-28 s: every representable count is 0 ns.
		f.tsMul = 0
	}
}

func pow10(n int) uint64 {
	p := uint64(1)
	for range n {
		p *= 10
	}
	return p
}

// ns converts a timestamp in ticks. Overflow wraps, so a 64-bit tick count
// that was really meant as a negative number comes out negative.
func (f *iface) ns(ticks uint64) int64 {
	var ns uint64
	switch {
	case f.tsBinary:
		hi, lo := bits.Mul64(ticks, 1e9)
		switch s := f.tsShift; {
		case s == 0:
			ns = lo
		case s < 64:
			ns = lo>>s | hi<<(64-s)
		default:
			ns = hi >> (s - 64)
		}
	case f.tsDiv != 0:
		ns = ticks / f.tsDiv
	default:
		ns = ticks * f.tsMul
	}
	return int64(ns) + f.tsOffsetNs
}

// readNgHeader reads the first section header block (the file's magic is
// its block type), then any further
// non-packet blocks up to the first interface, so that LinkType and Snaplen
// are known before the first packet. A fault in those later blocks is kept
// for Next, which reports it after nothing (no packet comes before it).
func (r *Reader) readNgHeader() error {
	if _, err := r.readBlock(nil); err != nil {
		if e, ok := err.(*RecordError); ok {
			e.Record = 0
		}
		return err
	}
	for !r.haveIfaces {
		if n := r.fill(blockHdrLen); n < blockHdrLen {
			return nil
		}
		switch r.u32(r.buf[r.r:]) {
		case blockEPB, blockSPB, blockOPB:
			return nil
		}
		if _, err := r.readBlock(nil); err != nil {
			r.err = err
			return nil
		}
	}
	return nil
}

// nextBlock reads blocks until one holds a packet.
func (r *Reader) nextBlock(p *Packet) error {
	for {
		off := r.base + int64(r.r)
		if n := r.fill(blockHdrLen); n < blockHdrLen {
			if n == 0 {
				return r.atEnd(off)
			}
			return r.short(off, "block header", blockHdrLen, n)
		}
		got, err := r.readBlock(p)
		if err != nil || got {
			return err
		}
	}
}

// readBlock reads one whole block and handles it; a packet block fills p
// and returns true.
func (r *Reader) readBlock(p *Packet) (bool, error) {
	off := r.base + int64(r.r)
	if n := r.fill(minBlockLen); n < minBlockLen {
		return false, r.short(off, "block header", minBlockLen, n)
	}
	typ := r.u32(r.buf[r.r:])
	if typ == blockSHB {
		// The byte-order magic decides how this block's own length reads;
		// the block type reads the same either way.
		bom := r.buf[r.r+8 : r.r+12]
		switch {
		case binary.LittleEndian.Uint32(bom) == byteOrderMagic:
			r.be = false
		case binary.BigEndian.Uint32(bom) == byteOrderMagic:
			r.be = true
		default:
			return false, r.fault(off, ErrCorrupt, "bad pcapng byte-order magic % x", bom)
		}
	}
	blen := r.u32(r.buf[r.r+4:])
	if blen < minBlockLen || blen%4 != 0 || blen > maxBlockLen {
		return false, r.fault(off, ErrCorrupt, "bad pcapng block length %d (type 0x%08x)", blen, typ)
	}
	if n := r.fill(int(blen)); n < int(blen) {
		return false, r.short(off, "block", int(blen), n)
	}
	b := r.buf[r.r : r.r+int(blen)]
	if trail := r.u32(b[blen-4:]); trail != blen {
		return false, r.fault(off, ErrCorrupt, "pcapng block length %d does not match trailing length %d", blen, trail)
	}
	body := b[blockHdrLen : blen-4]
	var err error
	got := false
	switch typ {
	case blockSHB:
		err = r.sectionHeader(off, body)
	case blockIDB:
		err = r.interfaceDescription(off, body)
	case blockEPB, blockOPB, blockSPB:
		err = r.packetBlock(off, typ, body, p)
		got = err == nil
	}
	if err != nil {
		return false, err
	}
	r.r += int(blen)
	return got, nil
}

// sectionHeader starts a new section: interface numbers restart at 0.
func (r *Reader) sectionHeader(off int64, body []byte) error {
	if len(body) < 16 {
		return r.fault(off, ErrCorrupt, "pcapng section header too short (%d bytes)", len(body))
	}
	major, minor := r.u16(body[4:]), r.u16(body[6:])
	// 1.0 is the only version written; 1.2 came from a buggy writer and is
	// accepted by libpcap and tshark alike.
	if major != 1 || (minor != 0 && minor != 2) {
		return r.fault(off, ErrCorrupt, "unsupported pcapng version %d.%d", major, minor)
	}
	r.ifaces = r.ifaces[:0]
	return nil
}

// interfaceDescription adds an interface to the current section.
func (r *Reader) interfaceDescription(off int64, body []byte) error {
	if len(body) < 8 {
		return r.fault(off, ErrCorrupt, "pcapng interface description too short (%d bytes)", len(body))
	}
	lt := foldLinkType(uint32(r.u16(body)))
	f := iface{linkType: lt, snaplen: adjustSnaplen(r.u32(body[4:]), lt)}
	f.setResolution(6)
	for opts := body[8:]; len(opts) >= 4; {
		code, olen := r.u16(opts), int(r.u16(opts[2:]))
		if code == optEnd {
			break
		}
		padded := (olen + 3) &^ 3
		if 4+padded > len(opts) {
			return r.fault(off, ErrCorrupt, "pcapng interface option %d overruns its block", code)
		}
		val := opts[4 : 4+olen]
		switch {
		case code == optTsResol && olen >= 1:
			f.setResolution(val[0])
		case code == optTsOffset && olen >= 8:
			f.tsOffsetNs = int64(r.u64(val)) * 1e9
		}
		opts = opts[4+padded:]
	}
	if !r.haveIfaces {
		r.haveIfaces = true
		r.linkType, r.snaplen = f.linkType, f.snaplen
	}
	r.ifaces = append(r.ifaces, f)
	return nil
}

// packetBlock fills p from an enhanced, obsolete or simple packet block.
func (r *Reader) packetBlock(off int64, typ uint32, body []byte, p *Packet) error {
	const hdrLen = 20 // EPB and OPB: interface, timestamp, caplen, origlen
	if typ == blockSPB {
		return r.simplePacket(off, body, p)
	}
	if len(body) < hdrLen {
		return r.fault(off, ErrCorrupt, "pcapng packet block too short (%d bytes)", len(body))
	}
	var ifIdx int
	if typ == blockEPB {
		ifIdx = int(r.u32(body))
	} else {
		ifIdx = int(r.u16(body)) // followed by a 16-bit drop count
	}
	capLen, origLen := r.u32(body[12:]), r.u32(body[16:])
	if int64(capLen) > int64(len(body)-hdrLen) {
		return r.fault(off, ErrCorrupt, "pcapng packet caplen %d exceeds its block (%d bytes)", capLen, len(body)-hdrLen)
	}
	if ifIdx >= len(r.ifaces) {
		return r.fault(off, ErrCorrupt, "pcapng packet for undescribed interface %d (section has %d)", ifIdx, len(r.ifaces))
	}
	f := &r.ifaces[ifIdx]
	ticks := uint64(r.u32(body[4:]))<<32 | uint64(r.u32(body[8:]))
	r.setPacket(p, off, ifIdx, f.ns(ticks), origLen, body[hdrLen:hdrLen+int(capLen)])
	return nil
}

// simplePacket fills p from a simple packet block. It has no interface
// field (interface 0) and no timestamp (libpcap gives 0); the captured part
// is what the block holds, up to the interface's snaplen.
func (r *Reader) simplePacket(off int64, body []byte, p *Packet) error {
	if len(body) < 4 {
		return r.fault(off, ErrCorrupt, "pcapng simple packet block too short (%d bytes)", len(body))
	}
	if len(r.ifaces) == 0 {
		return r.fault(off, ErrCorrupt, "pcapng packet for undescribed interface 0 (section has 0)")
	}
	origLen := r.u32(body)
	capLen := min(origLen, uint32(len(body)-4))
	r.setPacket(p, off, 0, 0, origLen, body[4:4+capLen])
	return nil
}

// setPacket counts a packet record and fills p.
func (r *Reader) setPacket(p *Packet, off int64, ifIdx int, ts int64, origLen uint32, data []byte) {
	f := &r.ifaces[ifIdx]
	capLen := uint32(len(data))
	if capLen > f.snaplen {
		capLen = f.snaplen // as libpcap does, see nextPcap
	}
	r.record++
	*p = Packet{
		Data:      data[:capLen:capLen],
		TsNs:      ts,
		CapLen:    capLen,
		OrigLen:   origLen,
		LinkType:  f.linkType,
		Interface: ifIdx,
		Record:    r.record,
		Offset:    off,
	}
}
