//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/vishvananda/netns"

	"github.com/flowtap/flowtap/userspace/testenv"
)

// Tier 3 helpers: a veth pair whose two ends live in two network
// namespaces the test creates, so that what XDP passes reaches no stack
// but theirs (which own no address), and flowtap running in-process on a
// thread inside the capture namespace.

// vethPair is a veth pair: Cap in namespace CapNS (where flowtap
// attaches), Peer in PeerNS (where packets are sent).
type vethPair struct {
	CapNS, PeerNS string
	Cap, Peer     string
}

// newVethPair creates the namespaces and the pair; t.Cleanup removes
// them. IPv6 is off in both namespaces and no address is configured, so
// the kernels send nothing of their own on the pair.
func newVethPair(t *testing.T, tag string) *vethPair {
	t.Helper()
	testenv.RequirePrivileged(t)
	testenv.RequireTool(t, "ip")
	v := &vethPair{
		CapNS:  fmt.Sprintf("ftcap-%s-%d", tag, os.Getpid()),
		PeerNS: fmt.Sprintf("ftpeer-%s-%d", tag, os.Getpid()),
		Cap:    "cap0",
		Peer:   "peer0",
	}
	for _, ns := range []string{v.CapNS, v.PeerNS} {
		ipCmd(t, "netns", "add", ns)
		t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
		for _, k := range []string{"all", "default"} {
			nsExec(t, ns, "sysctl", "-qw", "net.ipv6.conf."+k+".disable_ipv6=1")
		}
	}
	// MTU 3000: the shared captures hold frames up to 1911 bytes, and
	// native XDP on veth accepts up to about 3500.
	ipCmd(t, "link", "add", v.Cap, "netns", v.CapNS, "mtu", "3000", "type", "veth",
		"peer", "name", v.Peer, "netns", v.PeerNS, "mtu", "3000")
	ipCmd(t, "-n", v.CapNS, "link", "set", v.Cap, "up")
	ipCmd(t, "-n", v.PeerNS, "link", "set", v.Peer, "up")
	return v
}

func ipCmd(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func nsExec(t *testing.T, ns string, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip netns exec %s %s: %v\n%s", ns, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// inNetns runs fn on a locked OS thread inside namespace ns and waits for
// it. The thread is never unlocked: it ends with the goroutine, so no
// other goroutine inherits the namespace.
func inNetns(t *testing.T, ns string, fn func()) {
	t.Helper()
	h, err := netns.GetFromName(ns)
	if err != nil {
		t.Fatalf("open netns %s: %v", ns, err)
	}
	defer h.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		if err := netns.Set(h); err != nil {
			t.Errorf("enter netns %s: %v", ns, err)
			return
		}
		fn()
	}()
	<-done
}

// signalWriter collects a run's stderr and closes Seen when a line
// containing want appears.
type signalWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	Seen chan struct{}
	once sync.Once
}

func newSignalWriter(want string) *signalWriter {
	return &signalWriter{want: want, Seen: make(chan struct{})}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.Seen) })
	}
	return len(p), nil
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// liveResult is what one in-process live run returned.
type liveResult struct {
	code           int
	stdout, stderr string
}

// startLive runs flowtap with args inside ns on its own goroutine. It
// returns once the program is attached (or the run ended early); the
// channel delivers the result. after, if not nil, runs in the namespace
// when flowtap has returned.
func startLive(t *testing.T, ctx context.Context, ns string, args []string, after func()) <-chan liveResult {
	t.Helper()
	h, err := netns.GetFromName(ns)
	if err != nil {
		t.Fatalf("open netns %s: %v", ns, err)
	}
	errw := newSignalWriter("msg=capturing")
	res := make(chan liveResult, 1)
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		defer h.Close()
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		if err := netns.Set(h); err != nil {
			res <- liveResult{code: -1, stderr: fmt.Sprintf("enter netns %s: %v", ns, err)}
			return
		}
		var out bytes.Buffer
		code := run(ctx, args, &out, errw)
		if after != nil {
			after()
		}
		res <- liveResult{code: code, stdout: out.String(), stderr: errw.String()}
	}()
	select {
	case <-errw.Seen:
	case <-ended:
	}
	return res
}
