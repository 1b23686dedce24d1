package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/flowtap/flowtap/plugins"
	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/plugins/txtsink"
	"github.com/flowtap/flowtap/userspace/bpfengine"
	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/datapath"
	"github.com/flowtap/flowtap/userspace/engine"
	"github.com/flowtap/flowtap/userspace/geo"
)

// outputs are the files of one run.
type outputs struct {
	prefix  string
	flows   *txtsink.Sink
	packets *txtsink.Sink
}

// runOffline analyses the capture cfg.Read and returns the exit code.
func runOffline(ctx context.Context, cfg *Config, stdout io.Writer, log *slog.Logger) int {
	start := time.Now()
	rd, err := capture.Open(cfg.Read)
	if err != nil {
		log.Error("cannot read input", "file", cfg.Read, "err", err)
		return exitInput
	}
	defer rd.Close()
	db := geo.NewBuiltin()
	if cfg.GeoIP != "" {
		if db, err = geo.Open(cfg.GeoIP); err != nil {
			log.Error("cannot open geo database", "err", err)
			return exitInput
		}
	}
	defer db.Close()
	var stage *bpfengine.Stage
	if cfg.Engine == "bpf" {
		// Loaded before any output exists, on this goroutine, which the
		// stage pins to one CPU until it is closed.
		if stage, err = openStage(cfg, rd); err != nil {
			log.Error(bpfNeeds, "err", err)
			return exitUsage
		}
		defer stage.Close()
	}
	out, set, err := openOutputs(cfg, db, stdout)
	if err != nil {
		log.Error("cannot create outputs", "err", err)
		return exitOutput
	}
	eng := engine.New(engineConfig(cfg), set, out.flows, packetWriter(out))
	eng.SetSnaplen(rd.Snaplen())
	if stage != nil {
		eng.SetStage(stage)
	}
	readErr := readAll(ctx, rd, eng)
	elapsed := time.Since(start)
	outErr := eng.Finish()
	if err := set.Pcapd.Close(rd.LinkType(), rd.Snaplen()); err != nil && outErr == nil {
		outErr = err
	}
	for _, s := range []*txtsink.Sink{out.flows, out.packets} {
		if s == nil {
			continue
		}
		if err := s.Close(); err != nil && outErr == nil {
			outErr = err
		}
	}
	sum := summary(cfg, rd, eng, set, start, elapsed)
	stageErr := stageReport(stage, sum)
	if readErr != nil {
		sum.Warnings = append(sum.Warnings, "[ERR] "+readErr.Error()+" (everything before it was processed and written)")
	}
	if err := writeReport(cfg, out.prefix, stdout, sum); err != nil && outErr == nil {
		outErr = err
	}
	switch {
	case outErr != nil:
		log.Error("cannot write output", "err", outErr)
		return exitOutput
	case stageErr != nil:
		log.Error("the kernel side failed: the outputs may be inexact", "err", stageErr)
		return exitUsage
	case readErr != nil:
		log.Error("input ended early", "file", cfg.Read, "err", readErr)
		return exitTruncated
	}
	return exitOK
}

func engineConfig(cfg *Config) engine.Config {
	return engine.Config{
		Datapath: datapath.Config{
			FlowTimeoutNs: uint64(cfg.FlowTimeout.Nanoseconds()),
			TCPWinThres:   uint32(cfg.TCPWinThres),
			ForceMode:     cfg.ForceMode,
			PDOpp:         cfg.PDOpp,
			PDEq:          cfg.PDEq == 1,
		},
		Capacity:  cfg.FlowCapacity,
		AlarmMode: cfg.AlarmMode,
	}
}

func packetWriter(out *outputs) engine.PacketWriter {
	if out.packets == nil {
		return nil
	}
	return out.packets
}

// openOutputs creates the flows file (and the packets file in -s mode)
// and writes the headers file.
func openOutputs(cfg *Config, db *geo.DB, stdout io.Writer) (*outputs, *plugins.Set, error) {
	prefix, err := outputPrefix(cfg.Read, cfg.Write)
	if err != nil {
		return nil, nil, err
	}
	opt := api.Options{
		TCPWinThres:   uint32(cfg.TCPWinThres),
		TCPWinMinPkts: uint32(cfg.TCPWinMinPkts),
		TCPWinMaxIPs:  cfg.TCPWinMaxIPs,
		Geo:           db,
	}
	set := plugins.New(opt, prefix, cfg.PDEthernet)
	out := &outputs{prefix: prefix}
	flowsTo := prefix
	if cfg.Write == "-" {
		flowsTo = "-"
	}
	if out.flows, err = txtsink.Create(flowsTo, stdout); err != nil {
		return nil, nil, err
	}
	cols := set.Columns()
	if err := out.flows.WriteHeader(cols); err != nil {
		return nil, nil, err
	}
	if err := txtsink.WriteHeadersFile(prefix+"_headers.txt", headerInfo(set), cols); err != nil {
		return nil, nil, err
	}
	if cfg.PacketMode {
		if out.packets, err = txtsink.CreateNamed(prefix + "_packets.txt"); err != nil {
			return nil, nil, err
		}
		if err := out.packets.WriteNames(engine.PacketColumns); err != nil {
			return nil, nil, err
		}
	}
	return out, set, nil
}

func headerInfo(set *plugins.Set) txtsink.HeaderInfo {
	now := time.Now()
	h := txtsink.HeaderInfo{
		Date:        fmt.Sprintf("%d.%09d sec (%s)", now.Unix(), now.Nanosecond(), now.UTC().Format("Mon 02 Jan 2006 15:04:05 MST")),
		Version:     "flowtap " + version,
		CommandLine: strings.Join(os.Args, " "),
		PID:         os.Getpid(),
		HWInfo:      hwInfo(),
		SWInfo:      "flowtap " + version + " (no libpcap)",
	}
	for _, n := range set.Names() {
		h.Plugins = append(h.Plugins, n+", version "+version)
	}
	return h
}

// readAll feeds every packet to the engine until EOF, a read fault or
// cancellation (which stops reading; what was read is flushed, as T2 does
// on SIGINT). A fault is returned; what was read before it stays.
func readAll(ctx context.Context, rd *capture.Reader, eng *engine.Engine) error {
	return eng.Run(ctx, rd)
}
