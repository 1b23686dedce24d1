package capture

// NextBatch reads up to len(ps) packets into ps. Unlike Next, the Data of
// every packet it returns stays valid until the following call to
// NextBatch or Next (or longer, see RetainBatches): the batch ends early rather than refill the buffer
// under packets already handed out. It returns how many packets it read
// and the error (io.EOF at a clean end, or a fault) that ended the input;
// packets before the error are valid and must be processed.
func (r *Reader) NextBatch(ps []Packet) (n int, err error) {
	r.retain.n++
	defer func() {
		if n > 0 {
			r.handedOut()
		}
	}()
	for i := range ps {
		if i > 0 && !r.recordBuffered() {
			return i, nil
		}
		if err := r.Next(&ps[i]); err != nil {
			return i, err
		}
	}
	return len(ps), nil
}

// recordBuffered reports whether the next record is wholly in the buffer,
// so that reading it cannot move the bytes of earlier records. For pcapng
// only a packet block qualifies: other blocks may change the section.
func (r *Reader) recordBuffered() bool {
	avail := r.w - r.r
	if r.err != nil {
		return true // Next returns the sticky error without reading
	}
	if r.ng {
		if avail < minBlockLen {
			return false
		}
		switch r.u32(r.buf[r.r:]) {
		case blockEPB, blockOPB, blockSPB:
		default:
			return false
		}
		return avail >= int(r.u32(r.buf[r.r+4:]))
	}
	if avail < pcapRecHdrLen {
		return false
	}
	return avail >= pcapRecHdrLen+int(r.u32(r.buf[r.r+8:]))
}
