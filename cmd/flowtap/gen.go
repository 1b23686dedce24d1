package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/flowtap/flowtap/userspace/capgen"
)

// runGen implements `flowtap gen`: the bundled sample capture, or a large
// benchmark capture with --bench.
func runGen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("flowtap gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the capture to `FILE` (- for stdout)")
	bench := fs.Bool("bench", false, "write a benchmark capture instead of the sample")
	def := capgen.DefaultBenchConfig()
	pkts := fs.Int("packets", def.Packets, "benchmark: number of packets")
	conns := fs.Int("connections", def.Connections, "benchmark: number of TCP connections")
	zeroWin := fs.Int("zero-window-every", def.ZeroWindowEvery, "benchmark: one connection in `N` has zero-window ACKs, an alarm flow (negative: none)")
	seed := fs.Int64("seed", 0, "random seed (0: the bundled sample's)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *out == "" {
		fmt.Fprintln(stderr, "flowtap gen: give the output file with -o FILE")
		return exitUsage
	}
	var w io.Writer = stdout
	var f *os.File
	if *out != "-" {
		var err error
		if f, err = os.Create(*out); err != nil {
			fmt.Fprintf(stderr, "flowtap gen: %v\n", err)
			return exitOutput
		}
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var err error
	var n int
	if *bench {
		cfg := def
		cfg.Packets, cfg.Connections, cfg.Seed, cfg.ZeroWindowEvery = *pkts, *conns, *seed, *zeroWin
		var t *capgen.Truth
		if t, err = capgen.WriteBench(bw, cfg); err == nil {
			n = t.Packets
		}
	} else {
		cfg := capgen.DefaultSampleConfig()
		cfg.Seed = *seed
		var t *capgen.Truth
		if t, err = capgen.WriteSample(bw, cfg); err == nil {
			n = t.Packets
		}
	}
	if err == nil {
		err = bw.Flush()
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "flowtap gen: write %s: %v\n", *out, err)
		return exitOutput
	}
	if *out != "-" {
		fmt.Fprintf(stderr, "flowtap gen: wrote %d packets to %s\n", n, *out)
	}
	return exitOK
}
