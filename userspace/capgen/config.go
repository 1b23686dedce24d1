package capgen

import (
	"errors"
	"fmt"
	"time"
)

// coreFlowTimeout is T2's FLOW_TIMEOUT (t2-semantics.md section 3): a
// conversation idle for at least this long is split into two flows.
const coreFlowTimeout = 182 * time.Second

// tcpStatesEstablishedTimeout is the timeout tcpStates gives an established
// connection (t2-semantics.md section 7.3); the default idle gap exceeds it so
// the sample splits with or without tcpStates.
const tcpStatesEstablishedTimeout = 610 * time.Second

// Config holds the settings shared by every generator.
type Config struct {
	// Seed drives every random choice: the same Config writes the same bytes
	// (across Go releases only as long as math/rand/v2's PCG source and
	// IntN algorithms stay the same).
	// The defaults use seed 0, so a zero Config equals the default one.
	Seed int64
	// Start is the timestamp of the first packet, truncated to microseconds.
	// The zero value means DefaultStart, never the wall clock, so output
	// stays reproducible.
	Start time.Time
}

// DefaultStart is the first-packet time used when Config.Start is zero.
func DefaultStart() time.Time {
	return time.Date(2024, time.March, 1, 12, 0, 0, 0, time.UTC)
}

func (c Config) withDefaults() Config {
	if c.Start.IsZero() {
		c.Start = DefaultStart()
	}
	// pcap stores microseconds; truncating here makes Truth's times exact.
	c.Start = c.Start.Truncate(time.Microsecond)
	return c
}

// SampleConfig configures WriteSample.
type SampleConfig struct {
	Config
	// IdleGap is how long one TCP connection stays silent before resuming.
	// It must be at least T2's 182 s flow timeout; the default (700 s) also
	// exceeds tcpStates' 610 s established timeout. Zero means the default.
	IdleGap time.Duration
}

// DefaultSampleConfig returns the configuration of flowtap's bundled sample.
func DefaultSampleConfig() SampleConfig {
	return SampleConfig{
		Config:  Config{Start: DefaultStart()},
		IdleGap: 700 * time.Second,
	}
}

func (c SampleConfig) withDefaults() SampleConfig {
	c.Config = c.Config.withDefaults()
	if c.IdleGap == 0 {
		c.IdleGap = DefaultSampleConfig().IdleGap
	}
	return c
}

// Validate reports whether the configuration, after defaults, can be generated.
func (c SampleConfig) Validate() error {
	c = c.withDefaults()
	if c.IdleGap < coreFlowTimeout {
		return fmt.Errorf("idle gap %v: must be at least %v", c.IdleGap, coreFlowTimeout)
	}
	return nil
}

// BenchConfig configures WriteBench. Zero fields take the defaults of
// DefaultBenchConfig.
type BenchConfig struct {
	Config
	// Packets is the exact number of frames written (default 2,000,000).
	Packets int
	// Connections is the number of TCP connections (default 100,000); each has
	// a handshake, data both ways and a FIN teardown.
	Connections int
	// FrameLen is the captured length of every frame in bytes (default 254).
	FrameLen int
	// ZeroWindowEvery makes one connection in N carry two zero-window ACKs
	// followed by a window update (default 1000; negative disables).
	ZeroWindowEvery int
	// Live is how many connections are open at once (default 10,000, capped
	// at Connections); packets are drawn at random among them.
	Live int
	// Rate is the mean packet rate in packets per second of capture time
	// (default 500,000), which sets the capture's duration.
	Rate int
}

// Bench defaults.
const (
	DefaultBenchPackets     = 2_000_000
	DefaultBenchConnections = 100_000
	DefaultBenchFrameLen    = 254
	DefaultZeroWindowEvery  = 1000
	DefaultBenchLive        = 10_000
	DefaultBenchRate        = 500_000
)

// Frame-size limits: the largest header is a SYN with options (66 bytes) and a
// data segment needs payload; the largest frame fits a 1500-byte IP MTU.
const (
	minFrameLen = 80
	maxFrameLen = 1514
	// minPacketsPerConn leaves room for handshake (3), request (1), two
	// server segments, zero-window ACKs and update (3) and teardown (4).
	minPacketsPerConn = 13
	// maxConnections keeps client (address, port) pairs unique: 2^20 clients
	// in 10.0.0.0/8 times 16 ports each.
	maxConnections = 1 << 24
)

// DefaultBenchConfig returns the 2M-packet, 100k-connection benchmark setup.
func DefaultBenchConfig() BenchConfig {
	return BenchConfig{
		Config:          Config{Start: DefaultStart()},
		Packets:         DefaultBenchPackets,
		Connections:     DefaultBenchConnections,
		FrameLen:        DefaultBenchFrameLen,
		ZeroWindowEvery: DefaultZeroWindowEvery,
		Live:            DefaultBenchLive,
		Rate:            DefaultBenchRate,
	}
}

func (c BenchConfig) withDefaults() BenchConfig {
	d := DefaultBenchConfig()
	c.Config = c.Config.withDefaults()
	for _, f := range []struct {
		v *int
		d int
	}{
		{&c.Packets, d.Packets}, {&c.Connections, d.Connections}, {&c.FrameLen, d.FrameLen},
		{&c.ZeroWindowEvery, d.ZeroWindowEvery}, {&c.Live, d.Live}, {&c.Rate, d.Rate},
	} {
		if *f.v == 0 {
			*f.v = f.d
		}
	}
	c.Live = min(c.Live, c.Connections)
	return c
}

// Validate reports whether the configuration, after defaults, can be generated.
func (c BenchConfig) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.Connections < 1 || c.Connections > maxConnections {
		errs = append(errs, fmt.Errorf("connections %d: must be in [1, %d]", c.Connections, maxConnections))
	}
	if c.Packets < 0 || c.Connections > 0 && c.Packets/c.Connections < minPacketsPerConn {
		errs = append(errs, fmt.Errorf("packets %d: need at least %d per connection", c.Packets, minPacketsPerConn))
	}
	if c.FrameLen < minFrameLen || c.FrameLen > maxFrameLen {
		errs = append(errs, fmt.Errorf("frame length %d: must be in [%d, %d]", c.FrameLen, minFrameLen, maxFrameLen))
	}
	if c.Live < 1 {
		errs = append(errs, fmt.Errorf("live connections %d: must be positive", c.Live))
	}
	if c.Rate < 1 {
		errs = append(errs, fmt.Errorf("rate %d: must be positive", c.Rate))
	}
	return errors.Join(errs...)
}
