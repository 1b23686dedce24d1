package capgen

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// Classic pcap constants: microsecond magic, version 2.4, Ethernet link type.
const (
	pcapMagicMicro   = 0xa1b2c3d4
	pcapVersionMajor = 2
	pcapVersionMinor = 4
	pcapLinkEthernet = 1
	pcapSnapLen      = 65535
	pcapFileHdrLen   = 24
	pcapRecHdrLen    = 16
)

// pcapWriter buffers whole records and hands the buffer to w when full.
// Frames are built in place inside the buffer (see reserve), so writing a
// packet costs no allocation and no extra copy.
type pcapWriter struct {
	w   io.Writer
	buf []byte
	err error
}

func newPcapWriter(w io.Writer, bufSize int) (*pcapWriter, error) {
	p := &pcapWriter{w: w, buf: make([]byte, 0, max(bufSize, pcapFileHdrLen+pcapRecHdrLen+maxFrameLen))}
	h := p.buf[:pcapFileHdrLen]
	// Little-endian, as written by libpcap on the hosts flowtap targets.
	binary.LittleEndian.PutUint32(h[0:], pcapMagicMicro)
	binary.LittleEndian.PutUint16(h[4:], pcapVersionMajor)
	binary.LittleEndian.PutUint16(h[6:], pcapVersionMinor)
	binary.LittleEndian.PutUint32(h[8:], 0)  // thiszone
	binary.LittleEndian.PutUint32(h[12:], 0) // sigfigs
	binary.LittleEndian.PutUint32(h[16:], pcapSnapLen)
	binary.LittleEndian.PutUint32(h[20:], pcapLinkEthernet)
	p.buf = h
	if err := p.flush(); err != nil {
		return nil, err
	}
	return p, nil
}

// reserve appends a record header for a frame of n bytes captured at usec
// (Unix microseconds) and returns the n-byte frame area to fill. The area is
// valid until the next call.
func (p *pcapWriter) reserve(usec int64, n int) ([]byte, error) {
	if len(p.buf)+pcapRecHdrLen+n > cap(p.buf) {
		if err := p.flush(); err != nil {
			return nil, err
		}
	}
	off := len(p.buf)
	p.buf = p.buf[:off+pcapRecHdrLen+n]
	h := p.buf[off:]
	binary.LittleEndian.PutUint32(h[0:], uint32(usec/1e6))
	binary.LittleEndian.PutUint32(h[4:], uint32(usec%1e6))
	binary.LittleEndian.PutUint32(h[8:], uint32(n))
	binary.LittleEndian.PutUint32(h[12:], uint32(n))
	return h[pcapRecHdrLen:], nil
}

// write appends a finished frame.
func (p *pcapWriter) write(ts time.Time, frame []byte) error {
	dst, err := p.reserve(ts.UnixMicro(), len(frame))
	if err != nil {
		return err
	}
	copy(dst, frame)
	return nil
}

func (p *pcapWriter) flush() error {
	if p.err != nil {
		return p.err
	}
	if len(p.buf) == 0 {
		return nil
	}
	if _, err := p.w.Write(p.buf); err != nil {
		p.err = fmt.Errorf("write pcap records: %w", err)
		return p.err
	}
	p.buf = p.buf[:0]
	return nil
}
