//go:build linux

package netdev

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// ifreqData is struct ifreq with ifr_data pointing at an ethtool request.
type ifreqData struct {
	name [unix.IFNAMSIZ]byte
	data uintptr
	_    [16]byte
}

// ioctlEthtool runs SIOCETHTOOL with v as the request buffer.
func ioctlEthtool(fd int, name string, v *ethtoolValue) error {
	var req ifreqData
	copy(req.name[:unix.IFNAMSIZ-1], name)
	req.data = uintptr(unsafe.Pointer(v))
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(&req)))
	if errno != 0 {
		return errno
	}
	return nil
}
