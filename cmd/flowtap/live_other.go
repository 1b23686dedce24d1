//go:build !linux

package main

import (
	"context"
	"io"
	"log/slog"
)

// runLive refuses: live capture attaches an XDP program, which needs Linux.
func runLive(_ context.Context, cfg *Config, _ io.Writer, log *slog.Logger) int {
	log.Error("live capture needs Linux (XDP); analyse a capture file with -r instead", "ifname", cfg.Iface)
	return exitInput
}
