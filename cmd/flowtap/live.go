//go:build linux

package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/cilium/ebpf/link"

	"github.com/flowtap/flowtap/gen"
	"github.com/flowtap/flowtap/plugins"
	"github.com/flowtap/flowtap/plugins/txtsink"
	"github.com/flowtap/flowtap/userspace/engine"
	"github.com/flowtap/flowtap/userspace/geo"
	"github.com/flowtap/flowtap/userspace/ktime"
	"github.com/flowtap/flowtap/userspace/loader"
	"github.com/flowtap/flowtap/userspace/netdev"
	"github.com/flowtap/flowtap/userspace/ring"
	"github.com/flowtap/flowtap/userspace/sweep"
)

// maxSnap is the object's copy limit per packet (bpf/maps.h MAX_SNAP).
const maxSnap = 4096

// liveRun is one live capture: the kernel objects, the Go side and the
// goroutines between them. Everything that depends on the caller's
// network namespace (netlink, ethtool, the XDP attach) runs on the
// goroutine that called runLive.
type liveRun struct {
	cfg      *Config
	log      *slog.Logger
	dev      *netdev.Device
	mode     netdev.XDPMode
	progID   uint32
	objs     *loader.Objects
	xdp      link.Link
	src      *ring.Ring
	reader   *ring.Reader
	sweeper  *sweep.Sweeper
	conv     *ktime.Converter
	db       *geo.DB
	eng      *engine.Engine
	set      *plugins.Set
	out      *outputs
	sink     *liveSink
	stage    *puntStage
	snaplen  uint32
	warnings []string
	start    time.Time
	stop     time.Time
	ifDrops  uint64 // interface rx_dropped at attach
	why      string // what ended the capture
	readErr  error  // the ring reader's failure
}

// runLive captures on cfg.Iface with the XDP program until a signal,
// -c or --duration, then writes every flow and the end report.
func runLive(ctx context.Context, cfg *Config, stdout io.Writer, log *slog.Logger) int {
	if cfg.PacketMode {
		log.Error("-s (packet mode) is not available live: the kernel keeps no per-packet record")
		return exitUsage
	}
	if err := preflight(); err != nil {
		log.Error("cannot capture live", "err", err)
		return exitInput
	}
	dev, err := netdev.Lookup(cfg.Iface)
	if err != nil {
		log.Error("cannot capture live", "ifname", cfg.Iface, "err", err)
		return exitInput
	}
	otherID, otherMode, err := existingXDP(dev, cfg.ForceAttach)
	if err != nil {
		log.Error("cannot capture live", "ifname", cfg.Iface, "err", err)
		if errors.Is(err, errInUse) {
			return exitUsage
		}
		return exitInput
	}
	if !dev.Up {
		log.Warn("interface is down: nothing arrives until it is up", "ifname", dev.Name)
	}
	r := &liveRun{cfg: cfg, log: log, dev: dev}
	defer r.close()
	if code := r.load(); code != exitOK {
		return code
	}
	warn, restore := vlanOffload(dev, cfg.VLANOffloadOff, log)
	defer restore()
	if warn != "" {
		r.warnings = append(r.warnings, warn)
	}
	if otherID != 0 {
		if err := replaceExisting(dev, otherID, otherMode, log); err != nil {
			log.Error("cannot capture live", "ifname", cfg.Iface, "err", err)
			return exitInput
		}
	}
	if err := r.attach(); err != nil {
		log.Error("cannot capture live", "ifname", cfg.Iface, "err", err)
		return exitInput
	}
	if code := r.outputs(stdout); code != exitOK {
		return code
	}
	r.capture(ctx)
	return r.finish(stdout)
}

// load loads the program and what reads it: the ring buffer, the
// flowInd counter for punted flows, the geo database. Nothing is attached
// and no file is created yet.
func (r *liveRun) load() int {
	cfg := r.cfg
	r.snaplen = maxSnap
	if cfg.SnapLen > 0 && cfg.SnapLen < maxSnap {
		r.snaplen = uint32(cfg.SnapLen)
	}
	if cfg.SnapLen > maxSnap {
		r.log.Warn("--snaplen above the program's copy limit: extracted packets are cut there", "snaplen", cfg.SnapLen, "limit", maxSnap)
	}
	var err error
	r.objs, err = loader.Load(loader.Options{
		Datapath:     engineConfig(cfg).Datapath,
		FlowCapacity: uint32(cfg.FlowCapacity),
		SnapLen:      r.snaplen,
	})
	if err != nil {
		r.log.Error("cannot load the xdp program", "err", err)
		return exitInput
	}
	if r.stage, err = newPuntStage(r.objs, engineConfig(cfg).Datapath); err != nil {
		r.log.Error("cannot prepare the punted-packet path", "err", err)
		return exitInput
	}
	if r.src, err = ring.Open(r.objs.Packets, ring.DefaultBatchDelay); err != nil {
		r.log.Error("cannot read the ring buffer", "err", err)
		return exitInput
	}
	r.db = geo.NewBuiltin()
	if cfg.GeoIP != "" {
		if r.db, err = geo.Open(cfg.GeoIP); err != nil {
			r.log.Error("cannot open geo database", "err", err)
			return exitInput
		}
	}
	return exitOK
}

// outputs creates the files and the Go side: engine, ring reader and
// sweeper. Packets that arrive meanwhile wait in the maps and the ring.
func (r *liveRun) outputs(stdout io.Writer) int {
	cfg := r.cfg
	// The output prefix comes from the interface name like a file's from
	// its path; the trailing dot keeps "eth0.100" whole (no extension).
	named := *cfg
	named.Read = cfg.Iface + "."
	var err error
	if r.out, r.set, err = openOutputs(&named, r.db, stdout); err != nil {
		r.log.Error("cannot create outputs", "err", err)
		return exitOutput
	}
	r.eng = engine.New(engineConfig(cfg), r.set, r.out.flows, nil)
	r.eng.SetSnaplen(r.snaplen)
	r.eng.SetStage(r.stage)
	r.sink = &liveSink{eng: r.eng, pcapd: r.set.Pcapd, snaplen: r.snaplen}
	r.conv = ktime.NewConverter(ktime.System{}, ktime.DefaultInterval)
	r.reader = ring.New(r.src, r.conv, r.sink, r.log)
	r.sweeper = sweep.New(sweep.NewKernel(r.objs.Flows, r.objs.Frags), r.conv, r.sink.Emit, r.log)
	return exitOK
}

// attach links the program to the interface and reports the mode the
// kernel actually uses.
func (r *liveRun) attach() error {
	r.ifDrops = rxDropped(r.dev)
	l, mode, err := attach(r.objs.XdpFlowtap, r.dev, r.cfg.XDPMode)
	if err != nil {
		return err
	}
	r.xdp, r.mode, r.start = l, mode, time.Now()
	r.progID, _, _ = r.dev.XDP()
	r.log.Info("capturing", "ifname", r.dev.Name, "xdp_mode", mode, "requested", r.cfg.XDPMode, "prog_id", r.progID)
	return nil
}

// capture runs the reader and the sweeper until the capture ends, then
// detaches the program and drains the ring.
func (r *liveRun) capture(ctx context.Context) {
	bg, cancel := context.WithCancel(context.Background())
	readDone := make(chan error, 1)
	go func() { readDone <- r.reader.Run(bg) }()
	sweepDone := make(chan error, 1)
	go func() { sweepDone <- r.sweeper.Run(bg, time.Second) }()
	readerEnded := r.wait(ctx, readDone)
	r.detach()
	if !readerEnded {
		if err := r.src.Drain(); err != nil {
			r.log.Error("cannot drain the ring buffer", "err", err)
			r.src.Close()
		}
		r.readErr = <-readDone
	}
	cancel()
	<-sweepDone
	r.log.Info("capture ended", "ifname", r.dev.Name, "reason", r.why)
}

// wait returns when the capture must end: a signal, --duration, -c, or
// the reader's end (true). It also expires the Go engine's own flows
// (punted packets) once a second.
func (r *liveRun) wait(ctx context.Context, readDone <-chan error) bool {
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	var deadline <-chan time.Time
	if r.cfg.Duration > 0 {
		t := time.NewTimer(r.cfg.Duration)
		defer t.Stop()
		deadline = t.C
	}
	lastExpire := time.Now()
	for {
		select {
		case <-ctx.Done():
			r.why = "signal"
			return false
		case <-deadline:
			r.why = "--duration " + r.cfg.Duration.String()
			return false
		case r.readErr = <-readDone:
			r.why = "the ring buffer reader stopped"
			return true
		case now := <-poll.C:
			if r.cfg.Count > 0 && r.packetsSeen() >= r.cfg.Count {
				r.why = "-c reached"
				return false
			}
			if now.Sub(lastExpire) >= time.Second {
				lastExpire = now
				r.sink.Expire(uint64(r.conv.Wall(r.conv.Now())))
			}
		}
	}
}

// packetsSeen sums the program's per-CPU packet counter.
func (r *liveRun) packetsSeen() uint64 {
	var per []uint64
	if err := r.objs.Counters.Lookup(uint32(gen.FlowtapCounterIdCNT_PACKETS), &per); err != nil {
		return 0
	}
	var n uint64
	for _, v := range per {
		n += v
	}
	return n
}

// detach removes the program from the interface and waits until it has
// stopped running: a packet already inside it may still write to the
// maps and the ring for a moment after the link is gone.
func (r *liveRun) detach() {
	if r.xdp == nil {
		return
	}
	if err := r.xdp.Close(); err != nil {
		r.log.Error("cannot detach the xdp program", "ifname", r.dev.Name, "err", err)
	}
	r.xdp = nil
	r.stop = time.Now()
	prev := r.packetsSeen()
	for range 100 {
		time.Sleep(10 * time.Millisecond)
		n := r.packetsSeen()
		if n == prev {
			break
		}
		prev = n
	}
	r.log.Debug("xdp detached", "ifname", r.dev.Name)
}

// close releases what setup acquired; detach has run by then unless the
// capture failed before it.
func (r *liveRun) close() {
	r.detach()
	if r.src != nil {
		r.src.Close()
	}
	if r.stage != nil {
		r.stage.Close()
	}
	if r.objs != nil {
		r.objs.Close()
	}
	if r.db != nil {
		r.db.Close()
	}
}

// finish writes every remaining flow, closes the outputs and prints the
// end report.
func (r *liveRun) finish(stdout io.Writer) int {
	if _, err := r.sweeper.Flush(); err != nil {
		r.log.Error("cannot flush the kernel flows", "err", err)
		r.warnings = append(r.warnings, "[ERR] flush of the kernel flows: "+err.Error())
	}
	cnt, err := r.objs.ReadCounters()
	if err != nil {
		r.log.Error("cannot read the xdp counters", "err", err)
		cnt = make([]uint64, gen.FlowtapCounterIdCNT_MAX)
	}
	sw := r.sweeper.Stats()
	r.eng.AddCounts(func(s *engine.Stats) { addKernelCounts(s, cnt, &sw) })
	outErr := r.eng.Finish()
	if err := r.set.Pcapd.Close(1, r.snaplen); err != nil && outErr == nil {
		outErr = err
	}
	for _, s := range []*txtsink.Sink{r.out.flows, r.out.packets} {
		if s == nil {
			continue
		}
		if err := s.Close(); err != nil && outErr == nil {
			outErr = err
		}
	}
	sum := r.summary(cnt, &sw)
	r.logCounters(cnt, &sw)
	if err := writeReport(r.cfg, r.out.prefix, stdout, sum); err != nil && outErr == nil {
		outErr = err
	}
	switch {
	case outErr != nil:
		r.log.Error("cannot write output", "err", outErr)
		return exitOutput
	case r.readErr != nil:
		r.log.Error("ring buffer read failed", "err", r.readErr)
		return exitTruncated
	}
	return exitOK
}
