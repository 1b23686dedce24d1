package engine

import (
	"context"
	"errors"
	"io"

	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/report"
)

// parsedBatch is up to MaxBatch packets read, copied and parsed ahead of
// the flow table by the reading goroutine.
type parsedBatch struct {
	pkts   [MaxBatch]capture.Packet
	metas  [MaxBatch]datapath.Meta
	hashes [MaxBatch]uint32
	n      int
	arena  []byte // packet bytes when the reader cannot retain them
	err    error  // the input error that ended the capture after these packets
}

// BatchReader is what Run reads from (capture.Reader implements it).
type BatchReader interface {
	NextBatch(ps []capture.Packet) (int, error)
}

// Run processes every packet of rd. Reading, parsing and the per-packet
// report counters run on a second goroutine, ahead of the flow table, so that with the writer
// goroutine the three stages of T2's loop use the machine's cores. It
// returns the input error that ended the capture early (nil at a clean
// end or when ctx is cancelled, which stops reading); the packets before
// it are processed. Call Finish afterwards.
func (e *Engine) Run(ctx context.Context, rd BatchReader) error {
	const depth = 4
	full := make(chan *parsedBatch, depth)
	free := make(chan *parsedBatch, depth+2)
	// A reader that can keep the bytes of the batches in flight spares
	// the copy into each batch's arena: depth+2 batches exist, and the
	// reader starts a call only with a batch whose packets are done.
	retained := false
	if rr, ok := rd.(interface{ RetainBatches(calls int) }); ok {
		rr.RetainBatches(depth + 2)
		retained = true
	}
	for range depth + 2 {
		b := &parsedBatch{}
		if !retained {
			b.arena = make([]byte, 0, 256<<10)
		}
		free <- b
	}
	// The reading goroutine owns the per-packet report counters while it
	// runs; they come back when it has closed full.
	rs := &readState{counts: e.stats.PacketCounts, packets: e.stats.Packets, copyData: !retained}
	go e.readAhead(ctx, rd, full, free, rs)
	var inputErr error
	for b := range full {
		e.runBatch(b)
		if b.err != nil && !errors.Is(b.err, io.EOF) {
			inputErr = b.err
		}
		free <- b
	}
	e.stats.PacketCounts = rs.counts
	return inputErr
}

// readState is what the reading goroutine keeps between batches.
type readState struct {
	counts   report.PacketCounts // countPacket's figures, handed back at the end
	packets  uint64              // records read, as the engine's Packets counts them
	copyData bool                // the reader cannot retain batches: copy them
}

// readAhead fills batches from rd until the input ends or ctx is done.
func (e *Engine) readAhead(ctx context.Context, rd BatchReader, full, free chan *parsedBatch, rs *readState) {
	defer close(full)
	for ctx.Err() == nil {
		b := <-free
		n, err := rd.NextBatch(b.pkts[:])
		b.n, b.err = n, err
		b.arena = b.arena[:0]
		for i := range n {
			p := &b.pkts[i]
			if rs.copyData {
				off := len(b.arena)
				b.arena = append(b.arena, p.Data...)
				p.Data = b.arena[off:len(b.arena):len(b.arena)]
			}
			datapath.Parse(&b.metas[i], p.Data, p.OrigLen, p.LinkType)
		}
		// Hashing in a loop of its own reads each key as whole words only
		// after Parse's narrow stores to it have retired (a load spanning
		// several stores still in flight cannot be forwarded and waits).
		for i := range n {
			b.hashes[i] = e.table.Hash(&b.metas[i].Key)
			rs.packets++
			if p := &b.pkts[i]; p.CapLen != 0 { // as packet does
				countPacket(&rs.counts, &b.metas[i], p, rs.packets)
			}
		}
		full <- b
		if err != nil {
			return
		}
	}
}

// Prefetch distances of runBatch, in packets: the index line of packet
// i+indexAhead and the flow lines of packet i+flowAhead load while packet
// i is processed.
const (
	indexAhead = 12
	flowAhead  = 6
)

// runBatch processes a batch with a rolling prefetch: each packet's index
// line, then its flow's lines, start loading a few packets before it is
// processed, so that the cache misses overlap with the work on the
// packets in between.
func (e *Engine) runBatch(b *parsedBatch) {
	n := b.n
	for j := range min(indexAhead, n) {
		e.table.PrefetchIndex(b.hashes[j])
	}
	for j := range min(flowAhead, n) {
		e.prefetch += e.table.PrefetchFlow(b.hashes[j], &b.metas[j])
	}
	for i := range n {
		if j := i + indexAhead; j < n {
			e.table.PrefetchIndex(b.hashes[j])
		}
		if j := i + flowAhead; j < n {
			e.prefetch += e.table.PrefetchFlow(b.hashes[j], &b.metas[j])
		}
		e.packet(&b.pkts[i], &b.metas[i], b.hashes[i], true)
	}
}
