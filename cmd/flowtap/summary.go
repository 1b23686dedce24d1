package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/flowtap/flowtap/plugins"
	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/engine"
	"github.com/flowtap/flowtap/userspace/report"
)

// summary completes the engine's counters with the run's context.
func summary(cfg *Config, rd *capture.Reader, eng *engine.Engine, set *plugins.Set, start time.Time, elapsed time.Duration) *report.Summary {
	st := eng.Stats()
	s := st.Summary
	s.Program, s.Version, s.Date = "flowtap", version, start
	s.FlowLayers = "L2, IPv4, IPv6"
	s.AlarmMode, s.ForceMode = cfg.AlarmMode, cfg.ForceMode
	for _, n := range set.Names() {
		s.Plugins = append(s.Plugins, report.Plugin{Name: n, Version: version})
	}
	s.Input = rd.Name()
	s.LinkTypeDesc, s.LinkTypeName, s.LinkType = splitLinkType(capture.LinkTypeName(rd.LinkType()))
	s.Snaplen = uint64(rd.Snaplen())
	s.Elapsed = elapsed
	s.UnloadElapsed = time.Since(start)
	if size := rd.Size(); size > 0 {
		s.PcapFileSize = uint64(size)
	}
	s.PeakRSSKiB, s.MemTotal = memoryFigures()
	s.Warnings = append(s.Warnings, st.Anomalies.Lines(rd.Name())...)
	if n := set.Pcapd.Mismatched(); n > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("[WRN] pcapd: %d extracted packets have another link type than %s", n, set.Pcapd.Path()))
	}
	return &s
}

// splitLinkType splits "Ethernet [EN10MB/1]" into its three parts.
func splitLinkType(s string) (desc, name string, dlt int) {
	i := strings.LastIndex(s, " [")
	if i < 0 {
		return s, "", 0
	}
	desc = s[:i]
	inner := strings.TrimSuffix(s[i+2:], "]")
	j := strings.LastIndex(inner, "/")
	if j < 0 {
		return desc, inner, 0
	}
	fmt.Sscan(inner[j+1:], &dlt)
	return desc, inner[:j], dlt
}

// writeReport prints the end report to stdout, or to PREFIX_log.txt with -l.
func writeReport(cfg *Config, prefix string, stdout io.Writer, s *report.Summary) error {
	if !cfg.LogFile {
		if cfg.Write == "-" {
			return nil // stdout carries the flows; T2 then needs -l for the report
		}
		return report.Write(stdout, s)
	}
	path := prefix + "_log.txt"
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create end report: %w", err)
	}
	if err := report.Write(f, s); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func hwInfo() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s;%s;%s", host, runtime.GOOS, runtime.GOARCH)
}
