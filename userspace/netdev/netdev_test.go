//go:build linux

package netdev

import (
	"errors"
	"runtime"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"github.com/flowtap/flowtap/userspace/testenv"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// inNetns runs fn on a locked thread inside a fresh network namespace
// holding a veth pair ft0/ft1, so nothing touches the host's interfaces.
func inNetns(t *testing.T, fn func()) {
	t.Helper()
	testenv.RequirePrivileged(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // the thread dies with the namespace: never unlocked
		if _, err := netns.New(); err != nil {
			t.Errorf("new netns: %v", err)
			return
		}
		veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "ft0"}, PeerName: "ft1"}
		if err := netlink.LinkAdd(veth); err != nil {
			t.Errorf("add veth: %v", err)
			return
		}
		fn()
	}()
	<-done
}

func TestLookupAndXDP(t *testing.T) {
	inNetns(t, func() {
		if _, err := Lookup("nosuch0"); !errors.Is(err, ErrUnknown) {
			t.Errorf("unknown interface: err %v, want ErrUnknown", err)
		}
		d, err := Lookup("ft0")
		if err != nil {
			t.Errorf("lookup ft0: %v", err)
			return
		}
		if d.Index <= 0 || d.Name != "ft0" {
			t.Errorf("device %+v", d)
		}
		if id, mode, err := d.XDP(); err != nil || id != 0 || mode != ModeNone {
			t.Errorf("before attach: id %d mode %s err %v", id, mode, err)
		}
		prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
			Type:         ebpf.XDP,
			License:      "GPL",
			Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 2), asm.Return()}, // XDP_PASS
		})
		if err != nil {
			t.Errorf("load test program: %v", err)
			return
		}
		defer prog.Close()
		l, err := link.AttachXDP(link.XDPOptions{Program: prog, Interface: d.Index, Flags: link.XDPGenericMode})
		if err != nil {
			t.Errorf("attach: %v", err)
			return
		}
		defer l.Close()
		info, _ := prog.Info()
		wantID, _ := info.ID()
		id, mode, err := d.XDP()
		if err != nil || mode != ModeGeneric || uint32(wantID) != id {
			t.Errorf("after generic attach: id %d (want %d) mode %s err %v", id, wantID, mode, err)
		}
	})
}

func TestVLANOffloadRoundTrip(t *testing.T) {
	inNetns(t, func() {
		d, err := Lookup("ft0")
		if err != nil {
			t.Errorf("lookup: %v", err)
			return
		}
		for _, want := range []bool{false, true, false} {
			if err := d.SetVLANOffload(want); err != nil {
				t.Errorf("set %v: %v", want, err)
				return
			}
			got, err := d.VLANOffload()
			if err != nil || got != want {
				t.Errorf("offload after set %v: got %v err %v", want, got, err)
			}
		}
	})
}
