//go:build linux

package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Minimum kernel for live capture (bpf/xdp_flowtap.bpf.c): bpf_link for
// XDP, the BPF ring buffer, returning atomics, xdp_md in BPF_PROG_RUN.
const minKernelMajor, minKernelMinor = 5, 15

// Capability numbers (linux/capability.h).
const (
	capNetAdmin = 12
	capSysAdmin = 21
	capPerfmon  = 38
	capBPF      = 39
)

// checkCaps explains which of CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON the
// effective capability set eff lacks (CAP_SYS_ADMIN stands in for the
// first and the last, as on kernels before 5.8); nil when none.
func checkCaps(eff uint64) error {
	has := func(c uint) bool { return eff&(1<<c) != 0 }
	var missing []string
	if !has(capBPF) && !has(capSysAdmin) {
		missing = append(missing, "CAP_BPF")
	}
	if !has(capNetAdmin) {
		missing = append(missing, "CAP_NET_ADMIN")
	}
	if !has(capPerfmon) && !has(capSysAdmin) {
		missing = append(missing, "CAP_PERFMON")
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("live capture needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON; missing %s: run as root, or grant them with `setcap cap_bpf,cap_net_admin,cap_perfmon+ep flowtap`",
		strings.Join(missing, ", "))
}

// effectiveCaps reads CapEff of this process from /proc/self/status.
func effectiveCaps() (uint64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("read capabilities: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return 0, fmt.Errorf("read capabilities: CapEff %q: %w", v, err)
			}
			return caps, nil
		}
	}
	return 0, fmt.Errorf("read capabilities: no CapEff line in /proc/self/status")
}

// checkKernel refuses a kernel release older than the minimum.
func checkKernel(release string) error {
	var major, minor int
	if _, err := fmt.Sscanf(release, "%d.%d", &major, &minor); err != nil {
		return fmt.Errorf("kernel release %q: cannot read its version: %w", release, err)
	}
	if major < minKernelMajor || (major == minKernelMajor && minor < minKernelMinor) {
		return fmt.Errorf("kernel %d.%d is older than %d.%d, the minimum for live capture (XDP bpf_link, BPF ring buffer, returning atomics)",
			major, minor, minKernelMajor, minKernelMinor)
	}
	return nil
}

// kernelRelease returns uname -r.
func kernelRelease() (string, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", fmt.Errorf("uname: %w", err)
	}
	return unix.ByteSliceToString(u.Release[:]), nil
}

// preflight checks privileges and kernel before anything is loaded.
func preflight() error {
	caps, err := effectiveCaps()
	if err != nil {
		return err
	}
	if err := checkCaps(caps); err != nil {
		return err
	}
	rel, err := kernelRelease()
	if err != nil {
		return err
	}
	return checkKernel(rel)
}
