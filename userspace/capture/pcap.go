package capture

import "encoding/binary"

// Magic numbers as they appear in the first four bytes of a file, read
// big-endian: a little-endian writer stores 0xa1b2c3d4 as d4 c3 b2 a1.
const (
	magicMicroBE = 0xa1b2c3d4
	magicMicroLE = 0xd4c3b2a1
	magicNanoBE  = 0xa1b23c4d
	magicNanoLE  = 0x4d3cb2a1
	magicNG      = 0x0a0d0d0a // pcapng section header block type
)

const (
	pcapFileHdrLen = 24
	pcapRecHdrLen  = 16
	// linkTypeMask drops the FCS-length bits that share the link-type field
	// of the pcap file header (libpcap's LT_LINKTYPE).
	linkTypeMask = 0x03ffffff
)

// headerFault builds the error for a bad file header.
func (r *Reader) headerFault(sentinel error, format string, args ...any) error {
	e := r.fault(0, sentinel, format, args...)
	e.Record = 0
	return e
}

// readFileHeader detects the format and reads the file header.
func (r *Reader) readFileHeader() error {
	if n := r.fill(4); n < 4 {
		e := r.short(0, "file header", 4, n)
		e.Record = 0
		return e
	}
	magic := binary.BigEndian.Uint32(r.buf[r.r:])
	switch magic {
	case magicMicroBE, magicMicroLE:
		r.format, r.tsScale = "pcap", 1000
	case magicNanoBE, magicNanoLE:
		r.format, r.tsScale = "pcap-ns", 1
	case magicNG:
		r.format, r.ng = "pcapng", true
		return r.readNgHeader()
	default:
		return r.headerFault(ErrCorrupt, "unknown file format (magic 0x%08x)", magic)
	}
	r.be = magic == magicMicroBE || magic == magicNanoBE
	return r.readPcapHeader()
}

// readPcapHeader reads the 24-byte classic pcap file header.
func (r *Reader) readPcapHeader() error {
	if n := r.fill(pcapFileHdrLen); n < pcapFileHdrLen {
		e := r.short(0, "file header", pcapFileHdrLen, n)
		e.Record = 0
		return e
	}
	h := r.buf[r.r : r.r+pcapFileHdrLen]
	major, minor := r.u16(h[4:]), r.u16(h[6:])
	if major != 2 {
		return r.headerFault(ErrCorrupt, "unsupported pcap version %d.%d", major, minor)
	}
	r.linkType = foldLinkType(r.u32(h[20:]) & linkTypeMask)
	r.maxCap = maxCapLen(r.linkType)
	r.snaplen = adjustSnaplen(r.u32(h[16:]), r.linkType)
	r.r += pcapFileHdrLen
	return nil
}

// nextPcap reads one classic pcap record. The fast path, a record already
// in the buffer, touches no allocation and makes no call besides fill.
func (r *Reader) nextPcap(p *Packet) error {
	off := r.base + int64(r.r)
	if r.w-r.r < pcapRecHdrLen {
		if n := r.fill(pcapRecHdrLen); n < pcapRecHdrLen {
			if n == 0 {
				return r.atEnd(off)
			}
			return r.short(off, "record header", pcapRecHdrLen, n)
		}
	}
	h := r.buf[r.r : r.r+pcapRecHdrLen]
	capLen := r.u32(h[8:])
	if capLen > r.maxCap {
		// libpcap stops here too ("invalid packet capture length"); a
		// length this large is a damaged file, not a big packet.
		return r.fault(off, ErrCorrupt, "packet caplen %d larger than maximum %d", capLen, r.maxCap)
	}
	need := pcapRecHdrLen + int(capLen)
	if r.w-r.r < need {
		if n := r.fill(need); n < need {
			return r.short(off, "packet data", int(capLen), n-pcapRecHdrLen)
		}
		h = r.buf[r.r : r.r+pcapRecHdrLen]
	}
	sec, frac, origLen := r.u32(h[0:]), r.u32(h[4:]), r.u32(h[12:])
	data := r.buf[r.r+pcapRecHdrLen : r.r+need : r.r+need]
	r.r += need
	if capLen > r.snaplen {
		// libpcap hands out only snaplen bytes of such a record and skips
		// the rest; T2 sees what libpcap gives it (tshark keeps them all).
		capLen = r.snaplen
		data = data[:capLen]
	}
	r.record++
	*p = Packet{
		Data:     data,
		TsNs:     int64(sec)*1e9 + int64(frac)*r.tsScale,
		CapLen:   capLen,
		OrigLen:  origLen,
		LinkType: r.linkType,
		Record:   r.record,
		Offset:   off,
	}
	return nil
}
