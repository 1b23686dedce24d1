// Command flowtap is a Tranalyzer2-compatible network flow analyser: it
// groups packets into A/B flows, runs the basicFlow, basicStats,
// tcpStates and tcpWin analysers, writes T2's flows and headers files and
// end report, and extracts the packets of alarm flows with pcapd.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// Exit codes (documented in the usage text and the README).
const (
	exitOK        = 0
	exitUsage     = 1
	exitInput     = 2
	exitTruncated = 3
	exitOutput    = 4
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one invocation and returns its exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "decode":
			return runDecode(args[1:], stdout, stderr)
		case "gen":
			return runGen(args[1:], stdout, stderr)
		}
	}
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "flowtap: %v\n", err)
		return exitUsage
	}
	if cfg.Version {
		fmt.Fprintf(stdout, "flowtap %s\n", version)
		return exitOK
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "flowtap: %v\n", err)
		return exitUsage
	}
	level := slog.LevelInfo
	if cfg.Verbose {
		level = slog.LevelDebug
	} else if cfg.Quiet {
		level = slog.LevelWarn
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			fmt.Fprintf(stderr, "flowtap: %v\n", err)
			return exitOutput
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "flowtap: start cpu profile: %v\n", err)
			return exitOutput
		}
		defer pprof.StopCPUProfile()
	}
	if cfg.Iface != "" {
		return runLive(ctx, cfg, stdout, log)
	}
	return runOffline(ctx, cfg, stdout, log)
}
