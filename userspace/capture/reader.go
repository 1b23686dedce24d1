package capture

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

const (
	// bufSize is the read buffer for files and pipes: reads this large keep
	// the syscall count low, and small enough that the records read() just
	// copied are still in the core's L2 cache when they are parsed (1 MiB
	// was 10-15 % slower end to end on a 1 MiB-L2 core).
	bufSize = 1 << 18
	// minBufSize keeps tiny inputs (tests, fuzzing) from allocating bufSize.
	minBufSize = 4096
	// maxNoProgress bounds how often a source may return (0, nil) in a row,
	// the same limit bufio and io.ReadAtLeast use.
	maxNoProgress = 100
)

// Packet is one record of a capture file.
type Packet struct {
	// Data is the captured bytes; it is valid until the next call to Next.
	Data []byte
	// TsNs is the capture time in nanoseconds since the Unix epoch. Times
	// outside the int64 range (years 1678-2262) wrap modulo 2^64 ns.
	TsNs int64
	// CapLen is len(Data); OrigLen is the length on the wire.
	CapLen, OrigLen uint32
	// LinkType is the LINKTYPE_ value of the record's interface, with the
	// platform-dependent DLT_RAW values 12 and 14 folded into LINKTYPE_RAW
	// (101) as tshark does.
	LinkType uint32
	// Interface is the pcapng interface ID, which numbers interfaces within
	// their section (tshark's frame.interface_id); always 0 for classic pcap.
	Interface int
	// Record is the 1-based packet number in the file.
	Record uint64
	// Offset is the byte offset of the record header (pcap) or block
	// (pcapng) in the file.
	Offset int64
}

// Reader reads packets from a classic pcap or pcapng capture. It is not
// safe for concurrent use.
type Reader struct {
	src    io.Reader
	closer io.Closer
	name   string
	size   int64

	// buf[r:w] holds bytes read from src but not yet consumed; base is the
	// file offset of buf[0].
	buf    []byte
	r, w   int
	base   int64
	srcErr error // sticky error of src; io.EOF at its end

	format   string
	ng       bool
	be       bool   // fields are big-endian (file header or current section)
	record   uint64 // packet records returned so far
	err      error  // sticky result once Next has failed or hit EOF
	linkType uint32 // of the first interface
	snaplen  uint32 // of the first interface, adjusted like libpcap

	// classic pcap
	tsScale int64 // ns per unit of the fraction field
	maxCap  uint32

	// pcapng
	ifaces     []iface // of the current section
	haveIfaces bool

	retain retention // RetainBatches
}

// Open opens the capture file at path; "-" reads standard input.
func Open(path string) (*Reader, error) {
	if path == "-" {
		r, err := NewReader(os.Stdin, path, -1)
		if err != nil {
			return nil, fmt.Errorf("open capture %s: %w", path, err)
		}
		return r, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open capture %s: %w", path, err)
	}
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	r, err := NewReader(f, path, size)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open capture %s: %w", path, err)
	}
	r.closer = f
	return r, nil
}

// NewReader reads a capture from src. name is used in errors and by Name;
// size is the total size in bytes, or -1 when unknown.
func NewReader(src io.Reader, name string, size int64) (*Reader, error) {
	n := bufSize
	if size >= 0 && size < bufSize {
		n = max(int(size), minBufSize)
	}
	r := &Reader{src: src, name: name, size: size, buf: make([]byte, n)}
	if err := r.readFileHeader(); err != nil {
		return nil, err
	}
	return r, nil
}

// Close closes the file opened by Open; it does not close standard input
// or a source given to NewReader.
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	c := r.closer
	r.closer = nil
	if err := c.Close(); err != nil {
		return fmt.Errorf("close capture %s: %w", r.name, err)
	}
	return nil
}

// Next reads the next packet into p. It returns io.EOF at a clean end of
// the capture and a *RecordError wrapping ErrTruncated, ErrCorrupt or the
// source's error on a fault; after either it keeps returning the same.
func (r *Reader) Next(p *Packet) error {
	if r.err != nil {
		return r.err
	}
	var err error
	if r.ng {
		err = r.nextBlock(p)
	} else {
		err = r.nextPcap(p)
	}
	if err != nil {
		r.err = err
	}
	return err
}

// Name returns the name given to Open or NewReader.
func (r *Reader) Name() string { return r.name }

// Size returns the size of the capture in bytes, -1 when unknown (stdin).
func (r *Reader) Size() int64 { return r.size }

// Format returns "pcap", "pcap-ns" or "pcapng".
func (r *Reader) Format() string { return r.format }

// LinkType returns the LINKTYPE_ value of the first interface (0 for a
// pcapng file without interfaces).
func (r *Reader) LinkType() uint32 { return r.linkType }

// Snaplen returns the snapshot length of the first interface, adjusted as
// libpcap does: 0 or a value above the link type's maximum becomes that
// maximum (262144 for most link types).
func (r *Reader) Snaplen() uint32 { return r.snaplen }

// BytesRead returns how many bytes of the capture have been consumed: the
// file header and every record returned so far.
func (r *Reader) BytesRead() int64 { return r.base + int64(r.r) }

func (r *Reader) u16(b []byte) uint16 {
	if r.be {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (r *Reader) u32(b []byte) uint32 {
	if r.be {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *Reader) u64(b []byte) uint64 {
	if r.be {
		return binary.BigEndian.Uint64(b)
	}
	return binary.LittleEndian.Uint64(b)
}

// fill tries to make n unread bytes available and returns how many are.
// It fewer than n only when the source has ended or failed (r.srcErr).
func (r *Reader) fill(n int) int {
	noProgress := 0
	for r.w-r.r < n && r.srcErr == nil {
		if r.w == len(r.buf) {
			r.makeRoom()
		}
		m, err := r.src.Read(r.buf[r.w:])
		r.w += m
		switch {
		case err != nil:
			r.srcErr = err
		case m == 0:
			noProgress++
			if noProgress >= maxNoProgress {
				r.srcErr = io.ErrNoProgress
			}
		default:
			noProgress = 0
		}
	}
	return r.w - r.r
}

// makeRoom frees space at the end of buf: it moves the unread bytes to the
// front, or doubles buf when they already fill it. Growing only once the
// buffer is full of real data keeps a corrupt length field from costing
// more memory than the input holds.
func (r *Reader) makeRoom() {
	if r.r > 0 {
		dst := r.nextBuffer()
		n := copy(dst, r.buf[r.r:r.w])
		r.buf = dst
		r.base += int64(r.r)
		r.r, r.w = 0, n
		return
	}
	nb := make([]byte, 2*len(r.buf))
	copy(nb, r.buf[:r.w])
	r.buf = nb
	r.grown()
}

// fault builds the error for a problem in the record or block at off.
func (r *Reader) fault(off int64, sentinel error, format string, args ...any) *RecordError {
	return &RecordError{
		Name:   r.name,
		Record: r.record + 1,
		Offset: off,
		Reason: fmt.Sprintf(format, args...),
		Err:    sentinel,
	}
}

// short reports that only have of want bytes of a structure were there:
// truncation at the end of the input, or the source's own error.
func (r *Reader) short(off int64, what string, want, have int) *RecordError {
	if r.srcErr != nil && r.srcErr != io.EOF {
		return r.fault(off, r.srcErr, "%s: %v", what, r.srcErr)
	}
	return r.fault(off, ErrTruncated, "truncated %s (want %d bytes, have %d)", what, want, have)
}

// atEnd is called when no byte follows the last complete record.
func (r *Reader) atEnd(off int64) error {
	if r.srcErr != nil && r.srcErr != io.EOF {
		return r.fault(off, r.srcErr, "%v", r.srcErr)
	}
	return io.EOF
}
