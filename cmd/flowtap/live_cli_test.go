//go:build linux

package main

// Live command-line behaviour in a veth namespace pair (privileged):
// refusals and their exit codes, --force-attach over a netlink-attached
// and over a bpf_link-attached program, the attach mode reported,
// --duration and cancellation, and the program gone after every run.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"

	"github.com/flowtap/flowtap/userspace/netdev"
)

// passProgram loads a minimal XDP_PASS program, the "other" program.
func passProgram(t *testing.T) *ebpf.Program {
	t.Helper()
	p, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type: ebpf.XDP, License: "GPL",
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 2), asm.Return()},
	})
	if err != nil {
		t.Fatalf("load test program: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func progID(t *testing.T, p *ebpf.Program) uint32 {
	t.Helper()
	info, err := p.Info()
	if err != nil {
		t.Fatal(err)
	}
	id, _ := info.ID()
	return uint32(id)
}

// xdpOn reports the program attached to ifname in namespace ns.
func xdpOn(t *testing.T, ns, ifname string) (id uint32, mode netdev.XDPMode) {
	t.Helper()
	inNetns(t, ns, func() {
		d, err := netdev.Lookup(ifname)
		if err != nil {
			t.Errorf("lookup %s: %v", ifname, err)
			return
		}
		id, mode, err = d.XDP()
		if err != nil {
			t.Errorf("xdp of %s: %v", ifname, err)
		}
	})
	return id, mode
}

// runLiveFor runs flowtap in ns until it ends by itself (--duration in
// args) and returns its result.
func runLiveFor(t *testing.T, ns string, args ...string) liveResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return <-startLive(t, ctx, ns, args, nil)
}

func TestLiveRefusals(t *testing.T) {
	v := newVethPair(t, "cli")
	out := t.TempDir() + "/"
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown interface", []string{"-i", "nosuch0", "-w", out}, exitInput, "nosuch0: no such interface"},
		{"packet mode", []string{"-i", v.Cap, "-w", out, "-s"}, exitUsage, "-s (packet mode) is not available live"},
		{"native mode on a device without it", []string{"-i", "lo", "-w", out, "--xdp-mode", "native", "--duration", "1s"}, exitInput, "in native mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runLiveFor(t, v.CapNS, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, want %d; stderr %q should mention %q", r.code, tt.code, r.stderr, tt.want)
			}
			if strings.Contains(r.stdout, "Live capture on interface") {
				t.Errorf("a refused run printed an end report")
			}
		})
	}
}

// TestLiveExistingProgram checks the refusal to replace another XDP
// program (exit 1, naming its id and mode) and --force-attach, for a
// program attached through netlink and one held by a bpf_link.
func TestLiveExistingProgram(t *testing.T) {
	v := newVethPair(t, "frc")
	other := passProgram(t)
	otherID := progID(t, other)
	attachers := []struct {
		name   string
		mode   netdev.XDPMode
		attach func(t *testing.T) func()
	}{
		{"netlink generic", netdev.ModeGeneric, func(t *testing.T) func() {
			inNetns(t, v.CapNS, func() {
				l, err := netlink.LinkByName(v.Cap)
				if err == nil {
					err = netlink.LinkSetXdpFdWithFlags(l, other.FD(), nl.XDP_FLAGS_SKB_MODE)
				}
				if err != nil {
					t.Errorf("attach through netlink: %v", err)
				}
			})
			return func() {}
		}},
		{"bpf_link native", netdev.ModeNative, func(t *testing.T) func() {
			var l link.Link
			inNetns(t, v.CapNS, func() {
				d, err := netdev.Lookup(v.Cap)
				if err == nil {
					l, err = link.AttachXDP(link.XDPOptions{Program: other, Interface: d.Index, Flags: link.XDPDriverMode})
				}
				if err != nil {
					t.Errorf("attach through a link: %v", err)
				}
			})
			return func() {
				if l != nil {
					l.Close()
				}
			}
		}},
	}
	for _, a := range attachers {
		t.Run(a.name, func(t *testing.T) {
			release := a.attach(t)
			defer release()
			if id, mode := xdpOn(t, v.CapNS, v.Cap); id != otherID || mode != a.mode {
				t.Fatalf("setup: program %d in %s mode attached, want %d in %s", id, mode, otherID, a.mode)
			}
			out := t.TempDir() + "/"
			r := runLiveFor(t, v.CapNS, "-i", v.Cap, "-w", out, "--duration", "200ms")
			want := fmt.Sprintf("XDP program id %d in %s mode", otherID, a.mode)
			if r.code != exitUsage || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "--force-attach") {
				t.Errorf("without --force-attach: exit %d, stderr %q; want exit 1 naming %q and --force-attach", r.code, r.stderr, want)
			}
			if id, _ := xdpOn(t, v.CapNS, v.Cap); id != otherID {
				t.Errorf("the refused run changed the attached program to %d", id)
			}
			r = runLiveFor(t, v.CapNS, "-i", v.Cap, "-w", out, "--duration", "200ms", "--force-attach")
			if r.code != exitOK || !strings.Contains(r.stderr, "replaced the interface's XDP program") {
				t.Errorf("with --force-attach: exit %d, stderr %q", r.code, r.stderr)
			}
			if id, mode := xdpOn(t, v.CapNS, v.Cap); id != 0 {
				t.Errorf("after the forced run: program %d (%s) attached, want none", id, mode)
			}
		})
	}
}

// TestLiveModesAndStops checks the mode reported for each --xdp-mode,
// that --duration and a cancelled context both end the capture with a
// complete report, and that the program is gone afterwards.
func TestLiveModesAndStops(t *testing.T) {
	v := newVethPair(t, "mod")
	tests := []struct {
		mode, want string
		cancel     bool
	}{
		{"auto", "native", false}, // veth has native XDP: the kernel picks it
		{"native", "native", true},
		{"generic", "generic", false},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			out := t.TempDir() + "/run"
			args := []string{"-i", v.Cap, "-w", out, "--xdp-mode", tt.mode}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			why := "--duration 300ms"
			if tt.cancel {
				why = "signal"
			} else {
				args = append(args, "--duration", "300ms")
			}
			start := time.Now()
			res := startLive(t, ctx, v.CapNS, args, nil)
			if tt.cancel {
				time.Sleep(300 * time.Millisecond)
				cancel()
			}
			r := <-res
			if r.code != exitOK {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("capture took %v to end", d)
			}
			wantLine := fmt.Sprintf("on %s in %s mode (requested %s)", v.Cap, tt.want, tt.mode)
			for _, w := range []string{wantLine, "ended by " + why, "Live capture on interface: " + v.Cap, "[INF] pcapd: packets written 0 + dropped 0 = selected by the kernel 0"} {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("report lacks %q", w)
				}
			}
			if !strings.Contains(r.stderr, "xdp_mode="+tt.want) {
				t.Errorf("log does not report the mode in effect: %s", r.stderr)
			}
			if id, _ := xdpOn(t, v.CapNS, v.Cap); id != 0 {
				t.Errorf("program %d still attached after exit", id)
			}
		})
	}
}
