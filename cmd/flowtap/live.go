package main

import (
	"context"
	"io"
	"log/slog"
)

// runLive captures on cfg.Iface with the XDP program.
func runLive(_ context.Context, cfg *Config, _ io.Writer, log *slog.Logger) int {
	log.Error("live capture is not available yet", "ifname", cfg.Iface)
	return exitUsage
}
