// Package txtsink writes T2's text outputs (t2-semantics.md 7.6): the
// flows file PREFIX_flows.txt (a '%' header line, then one TAB-separated
// line per flow direction) and the column description PREFIX_headers.txt.
// It formats nothing itself: lines come ready from the engine.
package txtsink

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/flowtap/flowtap/plugins/api"
)

// Sink writes the flows file and, on Close, reports any write error.
type Sink struct {
	path string
	f    *os.File // nil when writing to a caller's writer
	w    *bufio.Writer
	n    uint64
}

// Create opens PREFIX_flows.txt for writing; prefix "-" writes to stdout.
func Create(prefix string, stdout io.Writer) (*Sink, error) {
	if prefix == "-" {
		return &Sink{path: "stdout", w: bufio.NewWriterSize(stdout, 1<<20)}, nil
	}
	path := prefix + "_flows.txt"
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create flows file: %w", err)
	}
	return &Sink{path: path, f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

// Path returns the flows file name.
func (s *Sink) Path() string { return s.path }

// WriteHeader writes the '%' line naming every column.
func (s *Sink) WriteHeader(cols []api.Column) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	_, err := s.w.WriteString("%" + strings.Join(names, "\t") + "\n")
	return s.wrap(err)
}

// WriteLine writes one flow line (without its newline).
func (s *Sink) WriteLine(line []byte) error {
	s.n++
	s.w.Write(line)
	return s.wrap(s.w.WriteByte('\n'))
}

// Lines returns the number of flow lines written.
func (s *Sink) Lines() uint64 { return s.n }

func (s *Sink) wrap(err error) error {
	if err != nil {
		return fmt.Errorf("write %s: %w", s.path, err)
	}
	return nil
}

// Close flushes and closes the file; a full disk surfaces here.
func (s *Sink) Close() error {
	err := s.wrap(s.w.Flush())
	if s.f != nil {
		if cerr := s.f.Close(); err == nil && cerr != nil {
			err = s.wrap(cerr)
		}
	}
	return err
}

// HeaderInfo is the run information at the top of the headers file.
type HeaderInfo struct {
	Date        string // "1795664316.000055159 sec (Thu 26 Nov 2026 03:38:36 UTC)"
	Version     string // "flowtap 0.1.0"
	CommandLine string
	PID         int
	HWInfo      string
	SWInfo      string
	Plugins     []string // "basicFlow, version 0.1.0"
}

// WriteHeadersFile writes PREFIX_headers.txt in T2's layout.
func WriteHeadersFile(path string, info HeaderInfo, cols []api.Column) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Date: %s\n# %s\n# Core configuration: L2, IPv4, IPv6\n# SensorID: 666\n# PID: %d\n# Priority: 0\n",
		info.Date, info.Version, info.PID)
	fmt.Fprintf(&b, "# Command line: %s\n# HW info: %s\n# SW info: %s\n#\n# Plugins loaded:\n", info.CommandLine, info.HWInfo, info.SWInfo)
	for i, p := range info.Plugins {
		fmt.Fprintf(&b, "#   %02d: %s\n", i+1, p)
	}
	b.WriteString("#\n# Col No.\tType\tName\tDescription\n")
	for i, c := range cols {
		fmt.Fprintf(&b, "%d\t%s\t%s\t%s\n", i+1, c.Type, c.Name, c.Desc)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write headers file: %w", err)
	}
	return nil
}

// CreateNamed opens a text output file with the exact name path.
func CreateNamed(path string) (*Sink, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &Sink{path: path, f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

// WriteNames writes a '%' header line from plain column names.
func (s *Sink) WriteNames(names []string) error {
	_, err := s.w.WriteString("%" + strings.Join(names, "\t") + "\n")
	return s.wrap(err)
}
