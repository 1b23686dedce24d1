package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// outputPrefix applies T2's PREFIX rules (t2-semantics.md 7.6): "-w DIR/"
// (an existing directory, or any argument ending in '/', which is then
// created) gives DIR/<input base name without its extension>; another -w
// value is the prefix itself; without -w (or with "-w -") the prefix is the
// input path without its extension.
func outputPrefix(read, write string) (string, error) {
	base := strings.TrimSuffix(read, filepath.Ext(read))
	if read == "-" {
		base = "stdin"
	}
	if write == "" || write == "-" {
		return base, nil
	}
	isDir := strings.HasSuffix(write, "/")
	if fi, err := os.Stat(write); err == nil && fi.IsDir() {
		isDir = true
	}
	if !isDir {
		return write, nil
	}
	if err := os.MkdirAll(write, 0o755); err != nil {
		return "", fmt.Errorf("create output directory: %w", err)
	}
	return filepath.Join(write, filepath.Base(base)), nil
}
