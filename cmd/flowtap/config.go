package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// Config is every command-line setting of the main job.
type Config struct {
	Read           string        // -r FILE ("-" = stdin)
	Iface          string        // -i IFACE: live capture with the XDP program
	XDPMode        string        // --xdp-mode auto|native|generic
	ForceAttach    bool          // --force-attach: replace another XDP program
	Count          uint64        // -c N: stop after N packets (live)
	Duration       time.Duration // --duration: stop after this long (live)
	SnapLen        uint          // --snaplen: bytes of each extracted packet copied (live; 0 = whole frame)
	VLANOffloadOff bool          // --vlan-offload-off: turn off receive VLAN stripping (live)
	Write          string        // -w DIR/ or PREFIX ("-" = flows to stdout)
	PacketMode     bool          // -s
	LogFile        bool          // -l: end report to PREFIX_log.txt
	TCPWinThres    uint          // --tcpwin-thres
	TCPWinMinPkts  uint          // --tcpwin-minpkts
	TCPWinMaxIPs   int           // --tcpwin-maxips
	PDOpp          bool          // --pd-opp
	PDEq           int           // --pd-eq=0|1
	PDEthernet     bool          // --pd-ethernet: T2's always-Ethernet pcapd header
	AlarmMode      bool          // --alarm-mode
	ForceMode      bool          // --force-mode
	FlowTimeout    time.Duration // --flow-timeout (seconds)
	FlowCapacity   int           // --flow-capacity
	GeoIP          string        // --geoip FILE
	Engine         string        // --engine go
	Verbose        bool          // -v
	Quiet          bool          // -q
	Version        bool          // --version
	CPUProfile     string        // --cpuprofile FILE
}

// parseFlags fills a Config from args (without the program name).
func parseFlags(args []string, stderr io.Writer) (*Config, error) {
	c := &Config{}
	fs := flag.NewFlagSet("flowtap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Read, "r", "", "read packets from capture `FILE` (pcap or pcapng; - for stdin)")
	fs.StringVar(&c.Iface, "i", "", "capture live on interface `IFACE` with the XDP program (root)")
	fs.StringVar(&c.XDPMode, "xdp-mode", "auto", "XDP attach mode: auto, native or generic (live)")
	fs.BoolVar(&c.ForceAttach, "force-attach", false, "replace an XDP program already attached to the interface (live)")
	fs.Uint64Var(&c.Count, "c", 0, "live: stop after `N` packets seen by the XDP program (0: no limit)")
	fs.DurationVar(&c.Duration, "duration", 0, "live: stop after this long, e.g. 30s (0: until SIGINT/SIGTERM)")
	fs.UintVar(&c.SnapLen, "snaplen", 0, "live: bytes of each extracted packet to copy (0: the whole frame)")
	fs.BoolVar(&c.VLANOffloadOff, "vlan-offload-off", false, "live: turn off the NIC's receive VLAN stripping so VLAN tags reach XDP")
	fs.StringVar(&c.Write, "w", "", "output `PREFIX`, or DIR/ to write DIR/<input name>_*; - writes flows to stdout")
	fs.BoolVar(&c.PacketMode, "s", false, "packet mode: also write PREFIX_packets.txt, one line per packet")
	fs.BoolVar(&c.LogFile, "l", false, "write the end report to PREFIX_log.txt instead of stdout")
	fs.UintVar(&c.TCPWinThres, "tcpwin-thres", 1, "tcpWin: count TCP packets whose raw window is below `N` (TCPWIN_THRES)")
	fs.UintVar(&c.TCPWinMinPkts, "tcpwin-minpkts", 30, "tcpWin: TCP packets a direction needs before it reports alarms (TCPWIN_MINPKTS)")
	fs.IntVar(&c.TCPWinMaxIPs, "tcpwin-maxips", 100, "tcpWin: size of the source-IP table in the end report (TCPWIN_MAXWSCNT)")
	fs.BoolVar(&c.PDOpp, "pd-opp", false, "pcapd: also extract the opposite direction of an alarm flow (PD_OPP=1)")
	fs.IntVar(&c.PDEq, "pd-eq", 1, "pcapd: 1 extracts flows with FL_ALARM, 0 flows without (PD_EQ)")
	fs.BoolVar(&c.PDEthernet, "pd-ethernet", false, "pcapd: label the output Ethernet whatever the input link type (T2 behaviour)")
	fs.BoolVar(&c.AlarmMode, "alarm-mode", false, "write only flow directions that reported alarms (ALARM_MODE=1)")
	fs.BoolVar(&c.ForceMode, "force-mode", false, "remove a flow once it has a second low-window packet (FORCE_MODE=1)")
	timeout := fs.Float64("flow-timeout", 182, "flow inactivity timeout in `SECONDS` (FLOW_TIMEOUT)")
	fs.IntVar(&c.FlowCapacity, "flow-capacity", 262144, "flow table size in flow directions; the oldest pair is evicted when full")
	fs.StringVar(&c.GeoIP, "geoip", "", "MaxMind-format `FILE` for the country/organisation columns")
	fs.StringVar(&c.Engine, "engine", "go", "offline per-packet engine: go, or bpf (the XDP program through BPF_PROG_RUN; root)")
	fs.BoolVar(&c.Verbose, "v", false, "verbose logging")
	fs.BoolVar(&c.Quiet, "q", false, "log warnings and errors only")
	fs.BoolVar(&c.Version, "version", false, "print the version and exit")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a Go CPU profile to `FILE`")
	fs.Usage = func() { usage(fs, stderr) }
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (input files are given with -r)", fs.Arg(0))
	}
	c.FlowTimeout = time.Duration(*timeout * float64(time.Second))
	return c, nil
}

// Validate checks the settings before anything is opened.
func (c *Config) Validate() error {
	switch {
	case c.Version:
		return nil
	case c.Read == "" && c.Iface == "":
		return errors.New("no input: give a capture file with -r FILE or an interface with -i IFACE (see -h)")
	case c.Read != "" && c.Iface != "":
		return errors.New("-r and -i exclude each other")
	case c.XDPMode != "" && c.XDPMode != "auto" && c.XDPMode != "native" && c.XDPMode != "generic":
		return fmt.Errorf("--xdp-mode must be auto, native or generic, not %q", c.XDPMode)
	case c.Iface == "" && (c.Count > 0 || c.Duration > 0 || c.ForceAttach || c.SnapLen > 0 || c.VLANOffloadOff):
		return errors.New("-c, --duration, --snaplen, --force-attach and --vlan-offload-off apply to live capture (-i) only")
	case c.Duration < 0:
		return fmt.Errorf("--duration must not be negative, not %v", c.Duration)
	case c.PDEq != 0 && c.PDEq != 1:
		return fmt.Errorf("--pd-eq must be 0 or 1, not %d", c.PDEq)
	case c.FlowTimeout <= 0:
		return fmt.Errorf("--flow-timeout must be positive, not %v", c.FlowTimeout.Seconds())
	case c.FlowCapacity < 2:
		return fmt.Errorf("--flow-capacity must be at least 2, not %d", c.FlowCapacity)
	case c.TCPWinThres > 65536:
		return fmt.Errorf("--tcpwin-thres must be at most 65536 (windows are 16-bit), not %d", c.TCPWinThres)
	case c.Engine != "go" && c.Engine != "bpf":
		return fmt.Errorf("--engine must be go or bpf, not %q", c.Engine)
	case c.Verbose && c.Quiet:
		return errors.New("-v and -q exclude each other")
	}
	return nil
}

func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprint(w, `flowtap: Tranalyzer2-compatible flow analysis with tcpWin alarms and pcapd extraction

Usage:
  flowtap -r FILE [-w DIR/|PREFIX] [options]   analyse a capture file
  flowtap decode NAME=VALUE                    explain a flowStat, tcpStatesAFlags or tcpWinStat value
  flowtap gen -o FILE [--bench]                write the sample (or a benchmark) capture

Options:
`)
	fs.PrintDefaults()
	fmt.Fprint(w, `
Exit status: 0 success; 1 bad usage; 2 input cannot be read; 3 input is
truncated or corrupt (everything before the fault is written); 4 an output
file cannot be written.
`)
}
