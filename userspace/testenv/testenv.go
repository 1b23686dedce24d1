package testenv

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// Unavailable skips the test with reason, or fails it under CI.
func Unavailable(t testing.TB, reason string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s (CI=true: prerequisites must be present)", reason)
	}
	t.Skip(reason)
}

// RequirePrivileged skips unless the test runs as root.
func RequirePrivileged(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Unavailable(t, "needs root or CAP_BPF+CAP_NET_ADMIN")
	}
}

// RequireTool returns the path of an executable or skips.
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Unavailable(t, name+" is not installed")
	}
	return p
}

// RepoRoot returns the directory holding go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// SharedDir returns ../shared/<sub> beside the repository, or skips
// when it is absent.
func SharedDir(t testing.TB, sub string) string {
	t.Helper()
	d := filepath.Join(RepoRoot(t), "..", "shared", sub)
	if _, err := os.Stat(d); errors.Is(err, os.ErrNotExist) {
		Unavailable(t, "shared data "+d+" is absent")
	}
	return d
}
