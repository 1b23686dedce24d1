//go:build linux

package netdev

import (
	"errors"
	"fmt"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// Device is a resolved network interface.
type Device struct {
	Name  string
	Index int
	MTU   int
	Up    bool
	link  netlink.Link
}

// ErrUnknown is returned for an interface that does not exist.
var ErrUnknown = errors.New("no such interface")

// Lookup resolves an interface by name.
func Lookup(name string) (*Device, error) {
	l, err := netlink.LinkByName(name)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("interface %s: %w", name, ErrUnknown)
		}
		return nil, fmt.Errorf("interface %s: %w", name, err)
	}
	a := l.Attrs()
	return &Device{Name: a.Name, Index: a.Index, MTU: a.MTU, Up: a.Flags&unix.IFF_UP != 0 || a.OperState == netlink.OperUp, link: l}, nil
}

// XDPMode names an XDP attach mode as flowtap reports it.
type XDPMode string

// Attach modes.
const (
	ModeNone    XDPMode = "none"
	ModeNative  XDPMode = "native"
	ModeGeneric XDPMode = "generic"
	ModeOffload XDPMode = "offload"
	ModeMulti   XDPMode = "multi"
)

// XDP reports the program attached to the interface now (re-read from
// the kernel) and its mode; id 0 means none.
func (d *Device) XDP() (id uint32, mode XDPMode, err error) {
	l, err := netlink.LinkByIndex(d.Index)
	if err != nil {
		return 0, ModeNone, fmt.Errorf("interface %s: %w", d.Name, err)
	}
	x := l.Attrs().Xdp
	if x == nil || !x.Attached {
		return 0, ModeNone, nil
	}
	switch x.AttachMode {
	case nl.XDP_ATTACHED_DRV:
		mode = ModeNative
	case nl.XDP_ATTACHED_SKB:
		mode = ModeGeneric
	case nl.XDP_ATTACHED_HW:
		mode = ModeOffload
	default:
		mode = ModeMulti
	}
	return x.ProgId, mode, nil
}

// ethtool legacy flags (linux/ethtool.h): ETHTOOL_GFLAGS reports
// ETH_FLAG_RXVLAN when receive VLAN offload strips tags.
const (
	ethtoolGFlags = 0x00000025
	ethtoolSFlags = 0x00000026
	ethFlagRXVLAN = 1 << 8
)

type ethtoolValue struct {
	cmd  uint32
	data uint32
}

// VLANOffload reports whether the NIC strips VLAN tags on receive. XDP
// then sees untagged frames: vlanID columns are empty and flows of
// different VLANs merge, so flowtap warns (t2-semantics.md §11.5).
func (d *Device) VLANOffload() (bool, error) {
	v, err := d.ethtool(ethtoolValue{cmd: ethtoolGFlags})
	if err != nil {
		return false, fmt.Errorf("read offload flags of %s: %w", d.Name, err)
	}
	return v.data&ethFlagRXVLAN != 0, nil
}

// SetVLANOffload turns receive VLAN offload on or off.
func (d *Device) SetVLANOffload(on bool) error {
	v, err := d.ethtool(ethtoolValue{cmd: ethtoolGFlags})
	if err != nil {
		return fmt.Errorf("read offload flags of %s: %w", d.Name, err)
	}
	v.cmd = ethtoolSFlags
	if on {
		v.data |= ethFlagRXVLAN
	} else {
		v.data &^= ethFlagRXVLAN
	}
	if _, err := d.ethtool(v); err != nil {
		return fmt.Errorf("set vlan offload of %s: %w", d.Name, err)
	}
	return nil
}

func (d *Device) ethtool(v ethtoolValue) (ethtoolValue, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return v, fmt.Errorf("ethtool socket: %w", err)
	}
	defer unix.Close(fd)
	if err := ioctlEthtool(fd, d.Name, &v); err != nil {
		return v, err
	}
	return v, nil
}
