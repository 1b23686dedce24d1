//go:build linux

package main

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"

	"github.com/flowtap/flowtap/userspace/netdev"
)

// errInUse refuses to replace another XDP program (exit 1).
var errInUse = errors.New("xdp program in use")

// existingXDP returns the XDP program the interface already runs (id 0:
// none). Without force such a program is refused.
func existingXDP(dev *netdev.Device, force bool) (uint32, netdev.XDPMode, error) {
	id, mode, err := dev.XDP()
	if err != nil {
		return 0, mode, err
	}
	if id != 0 && !force {
		return id, mode, fmt.Errorf("%w: interface %s already runs XDP program id %d in %s mode; flowtap replaces it only with --force-attach",
			errInUse, dev.Name, id, mode)
	}
	return id, mode, nil
}

// replaceExisting detaches program id (--force-attach); flowtap's own
// program is loaded by then, so the interface is bare only for a moment.
func replaceExisting(dev *netdev.Device, id uint32, mode netdev.XDPMode, log *slog.Logger) error {
	if err := detachExisting(dev, id, mode); err != nil {
		return fmt.Errorf("replace XDP program id %d on %s: %w", id, dev.Name, err)
	}
	log.Warn("replaced the interface's XDP program", "ifname", dev.Name, "prog_id", id, "mode", mode)
	return nil
}

// detachExisting removes program id: through its bpf_link when it has
// one (netlink cannot detach those), else through netlink in its mode.
func detachExisting(dev *netdev.Device, id uint32, mode netdev.XDPMode) error {
	it := new(link.Iterator)
	defer it.Close()
	for it.Next() {
		l := it.Take()
		info, err := l.Info()
		if err == nil && info.Type == link.XDPType && uint32(info.Program) == id {
			if x := info.XDP(); x != nil && int(x.Ifindex) == dev.Index {
				err := l.Detach()
				l.Close()
				if err != nil {
					return fmt.Errorf("detach its link %d: %w", info.ID, err)
				}
				return nil
			}
		}
		l.Close()
	}
	flags := nl.XDP_FLAGS_DRV_MODE
	if mode == netdev.ModeGeneric {
		flags = nl.XDP_FLAGS_SKB_MODE
	}
	nlink, err := netlink.LinkByIndex(dev.Index)
	if err != nil {
		return err
	}
	return netlink.LinkSetXdpFdWithFlags(nlink, -1, flags)
}

// attachFlags maps --xdp-mode to link flags; auto lets the kernel choose
// (native when the driver supports it, generic otherwise).
var attachFlags = map[string]link.XDPAttachFlags{"auto": 0, "": 0, "native": link.XDPDriverMode, "generic": link.XDPGenericMode}

// attach links prog to dev in the requested mode and returns the link
// and the mode the kernel reports afterwards. A forced mode the driver
// cannot give fails: there is no silent fallback.
func attach(prog *ebpf.Program, dev *netdev.Device, want string) (link.Link, netdev.XDPMode, error) {
	l, err := link.AttachXDP(link.XDPOptions{Program: prog, Interface: dev.Index, Flags: attachFlags[want]})
	if err != nil {
		hint := ""
		if want == "native" {
			hint = " (does the driver support native XDP? --xdp-mode generic works on every interface)"
		}
		return nil, netdev.ModeNone, fmt.Errorf("attach xdp to %s in %s mode: %w%s", dev.Name, want, err, hint)
	}
	id, mode, err := dev.XDP()
	if err != nil {
		l.Close()
		return nil, netdev.ModeNone, err
	}
	info, err := prog.Info()
	if err != nil {
		l.Close()
		return nil, netdev.ModeNone, fmt.Errorf("read program info: %w", err)
	}
	if pid, _ := info.ID(); uint32(pid) != id {
		l.Close()
		return nil, netdev.ModeNone, fmt.Errorf("attach xdp to %s: the interface reports program id %d, not ours (%d)", dev.Name, id, pid)
	}
	return l, mode, nil
}

// vlanOffload handles receive VLAN stripping: turned off with off set
// (restore turns it back on), else reported as a warning line. XDP sees
// untagged frames while it is on.
func vlanOffload(dev *netdev.Device, off bool, log *slog.Logger) (warning string, restore func()) {
	restore = func() {}
	on, err := dev.VLANOffload()
	if err != nil {
		log.Debug("cannot read vlan offload", "ifname", dev.Name, "err", err)
		return "", restore
	}
	if !on {
		return "", restore
	}
	if !off {
		w := fmt.Sprintf("[WRN] %s may strip VLAN tags on receive (rx-vlan-offload on): XDP then sees untagged frames, vlanID columns stay empty and flows of different VLANs merge; use --vlan-offload-off", dev.Name)
		log.Warn("receive vlan offload is on: vlan tags may be invisible to xdp; use --vlan-offload-off", "ifname", dev.Name)
		return w, restore
	}
	if err := dev.SetVLANOffload(false); err != nil {
		w := fmt.Sprintf("[WRN] %s: cannot turn receive VLAN offload off (%v): VLAN tags are invisible to XDP", dev.Name, err)
		log.Warn("cannot turn vlan offload off", "ifname", dev.Name, "err", err)
		return w, restore
	}
	log.Info("receive vlan offload turned off until exit", "ifname", dev.Name)
	return "", func() {
		if err := dev.SetVLANOffload(true); err != nil {
			log.Error("cannot restore vlan offload", "ifname", dev.Name, "err", err)
			return
		}
		log.Info("receive vlan offload restored", "ifname", dev.Name)
	}
}
