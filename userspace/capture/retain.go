package capture

// retention lets NextBatch hand out packets whose bytes outlive the
// following calls, so that a pipeline can parse one batch while another
// is still in use without copying packet data. Instead of moving unread
// bytes to the front of the one buffer, the reader then moves them into
// the next buffer of a ring, and never writes into a buffer that a batch
// of the last `calls` NextBatch calls still points into.
type retention struct {
	calls uint64 // NextBatch calls whose packets must stay valid
	n     uint64 // NextBatch calls so far
	ring  []ringBuf
	cur   int // ring index of buf
}

type ringBuf struct {
	b        []byte
	lastCall uint64 // NextBatch call that last handed out bytes of b
}

// RetainBatches makes the Data of packets returned by NextBatch stay
// valid until calls further NextBatch calls have returned (by default it
// is valid only until the next call). A pipeline that keeps calls
// batches in flight can then use the packets without copying them. It
// costs calls+2 read buffers. Call it before the first NextBatch.
func (r *Reader) RetainBatches(calls int) {
	if calls <= 0 {
		return
	}
	rt := &r.retain
	rt.calls = uint64(calls)
	rt.ring = make([]ringBuf, calls+2)
	rt.ring[0].b = r.buf
	for i := 1; i < len(rt.ring); i++ {
		rt.ring[i].b = make([]byte, len(r.buf))
	}
}

// nextBuffer returns the buffer the unread bytes move to when buf is
// full: buf itself (moved in place) without retention, else the next one
// of the ring, or a new one if a recent batch may still use that.
func (r *Reader) nextBuffer() []byte {
	rt := &r.retain
	if rt.ring == nil {
		return r.buf
	}
	rt.cur = (rt.cur + 1) % len(rt.ring)
	next := &rt.ring[rt.cur]
	if (next.lastCall != 0 && rt.n-next.lastCall < rt.calls) || len(next.b) < len(r.buf) {
		// Packets of a recent batch may point into it: leave it to them
		// (and to the garbage collector) and start a fresh one.
		next.b = make([]byte, len(r.buf))
	}
	next.lastCall = 0
	return next.b
}

// grown records that buf was replaced by a larger buffer holding only
// unread bytes, so that the ring keeps the new one.
func (r *Reader) grown() {
	if r.retain.ring != nil {
		r.retain.ring[r.retain.cur].b = r.buf
	}
}

// handedOut notes that the current NextBatch call returned packets from
// buf.
func (r *Reader) handedOut() {
	if r.retain.ring != nil {
		r.retain.ring[r.retain.cur].lastCall = r.retain.n
	}
}
