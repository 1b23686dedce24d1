package capture

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
)

const writeBufSize = 256 * 1024

// Writer writes a classic pcap file with nanosecond timestamps, the format
// of T2's pcapd output (t2-semantics.md section 7.5). It is not safe for
// concurrent use.
type Writer struct {
	f    *os.File
	bw   *bufio.Writer
	path string
	n    uint64
	err  error // first failure; every later call returns it
	hdr  [pcapRecHdrLen]byte
}

// Create creates (or truncates) the file at path and writes the pcap file
// header: nanosecond magic a1b23c4d in little-endian byte order, version
// 2.4, the given link type and snaplen.
func Create(path string, linkType, snaplen uint32) (*Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create capture %s: %w", path, err)
	}
	w := &Writer{f: f, bw: bufio.NewWriterSize(f, writeBufSize), path: path}
	var h [pcapFileHdrLen]byte
	binary.LittleEndian.PutUint32(h[0:], magicNanoBE) // a1b23c4d, stored as 4d 3c b2 a1
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	// thiszone and sigfigs stay 0, as every modern writer leaves them.
	binary.LittleEndian.PutUint32(h[16:], snaplen)
	binary.LittleEndian.PutUint32(h[20:], linkType)
	if _, err := w.bw.Write(h[:]); err != nil {
		f.Close()
		return nil, fmt.Errorf("write capture %s: %w", path, err)
	}
	return w, nil
}

// WritePacket appends one record: the first capLen bytes of data, captured
// at tsNs (ns since the epoch) from a packet of origLen bytes on the wire.
// The format's 32-bit unsigned seconds hold 1970 to 2106; other times wrap.
func (w *Writer) WritePacket(tsNs int64, capLen, origLen uint32, data []byte) error {
	if w.err != nil {
		return w.err
	}
	if uint64(len(data)) < uint64(capLen) {
		return fmt.Errorf("write capture %s: packet %d: caplen %d exceeds data length %d",
			w.path, w.n+1, capLen, len(data))
	}
	// Floor division keeps the nanosecond field in [0, 1e9) even for a
	// time before the epoch.
	sec, nsec := tsNs/1e9, tsNs%1e9
	if nsec < 0 {
		sec, nsec = sec-1, nsec+1e9
	}
	binary.LittleEndian.PutUint32(w.hdr[0:], uint32(sec))
	binary.LittleEndian.PutUint32(w.hdr[4:], uint32(nsec))
	binary.LittleEndian.PutUint32(w.hdr[8:], capLen)
	binary.LittleEndian.PutUint32(w.hdr[12:], origLen)
	if _, err := w.bw.Write(w.hdr[:]); err != nil {
		return w.fail(err)
	}
	if _, err := w.bw.Write(data[:capLen]); err != nil {
		return w.fail(err)
	}
	w.n++
	return nil
}

// Packets returns how many records have been written.
func (w *Writer) Packets() uint64 { return w.n }

// Close flushes buffered records and closes the file. It returns the first
// error met by any write, the flush or the close, so a full disk is never
// lost.
func (w *Writer) Close() error {
	if w.f == nil {
		return w.err
	}
	if w.err == nil {
		if err := w.bw.Flush(); err != nil {
			w.fail(err)
		}
	}
	if err := w.f.Close(); err != nil && w.err == nil {
		w.err = fmt.Errorf("close capture %s: %w", w.path, err)
	}
	w.f = nil
	if w.err == nil {
		// Calls after Close must not write to a closed file.
		w.err = fmt.Errorf("write capture %s: %w", w.path, os.ErrClosed)
		return nil
	}
	return w.err
}

func (w *Writer) fail(err error) error {
	w.err = fmt.Errorf("write capture %s: %w", w.path, err)
	return w.err
}
