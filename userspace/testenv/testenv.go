package testenv

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	dir, err := findRepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// findRepoRoot walks up from the working directory (the test's package
// directory under go test) to the first directory holding go.mod.
func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("getwd: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// sharedPath returns ../shared/<sub> beside the repository root, or an
// error when the root or that path cannot be found.
func sharedPath(sub string) (string, error) {
	root, err := findRepoRoot()
	if err != nil {
		return "", err
	}
	d := filepath.Join(root, "..", "shared", sub)
	if _, err := os.Stat(d); err != nil {
		return "", fmt.Errorf("shared data %s: %w", d, err)
	}
	return d, nil
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

// SharedFile returns the file ../shared/<rel> beside the repository (rel
// uses '/'), or skips when it is absent, like SharedDir.
func SharedFile(t testing.TB, rel string) string {
	t.Helper()
	return SharedDir(t, filepath.FromSlash(rel))
}

// SharedDirIfPresent returns ../shared/<sub> and true when it exists. When
// it does not, it fails the test under CI and otherwise logs why and
// returns false: for fuzz seeds, which still run on built inputs alone.
func SharedDirIfPresent(t testing.TB, sub string) (string, bool) {
	t.Helper()
	d, err := sharedPath(sub)
	if err == nil {
		return d, true
	}
	if InCI() {
		t.Fatalf("%v (CI=true: prerequisites must be present)", err)
	}
	t.Logf("seeding without the shared data: %v", err)
	return "", false
}

// SharedPcaps lists every capture in ../shared/pcaps: the *.pcap files in
// name order, then the *.pcapng files (tests that seed a generator per
// file index depend on this order). It skips when the folder is absent, like SharedDir, but fails
// when the folder holds no capture: that is a broken copy, not a missing one.
func SharedPcaps(t testing.TB) []string {
	t.Helper()
	files, err := listCaptures(SharedDir(t, "pcaps"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// listCaptures returns the *.pcap, then the *.pcapng files of dir, or an
// error when there are none.
func listCaptures(dir string) ([]string, error) {
	var files []string
	for _, pat := range []string{"*.pcap", "*.pcapng"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return nil, fmt.Errorf("list captures in %s: %w", dir, err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no captures in %s", dir)
	}
	return files, nil
}

// SharedFiles lists the files at any depth below ../shared/<sub> whose
// name ends in suffix (such as "_flows.txt" below "t2-reference"), in
// lexical order of their paths. It skips when the folder is absent, like
// SharedDir, and fails when no file matches: a test over all of them would
// check nothing.
func SharedFiles(t testing.TB, sub, suffix string) []string {
	t.Helper()
	files, err := findFiles(SharedDir(t, sub), suffix)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// findFiles walks root for files (not folders) whose name ends in
// suffix, and returns an error when there are none.
func findFiles(root, suffix string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(d.Name(), suffix) {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", root, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *%s below %s", suffix, root)
	}
	return files, nil
}
