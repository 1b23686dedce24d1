package testenv

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRepoRootHoldsThisPackage(t *testing.T) {
	root := RepoRoot(t)
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("RepoRoot %s has no go.mod: %v", root, err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if rel, err := filepath.Rel(root, wd); err != nil || rel != filepath.Join("userspace", "testenv") {
		t.Errorf("working directory %s is %q below RepoRoot %s, want userspace/testenv", wd, rel, root)
	}
}

func TestSharedPathMissing(t *testing.T) {
	if d, err := sharedPath("no-such-folder-for-testenv"); err == nil {
		t.Errorf("sharedPath of a missing folder = %q, want an error", d)
	} else if !strings.Contains(err.Error(), "no-such-folder-for-testenv") {
		t.Errorf("error %q does not name the missing path", err)
	}
}

func TestListCaptures(t *testing.T) {
	tests := []struct {
		name    string
		files   []string
		want    []string
		wantErr bool
	}{
		{"pcap before pcapng, each in name order",
			[]string{"z.pcap", "b.pcapng", "a.pcap", "notes.txt", "a.pcap.gz"},
			[]string{"a.pcap", "z.pcap", "b.pcapng"}, false},
		{"no capture", []string{"SOURCES.md"}, nil, true},
		{"empty folder", nil, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := listCaptures(dir)
			if (err != nil) != tc.wantErr {
				t.Fatalf("listCaptures: %v, want error %v", err, tc.wantErr)
			}
			var base []string
			for _, p := range got {
				if filepath.Dir(p) != dir {
					t.Errorf("%s is not in %s", p, dir)
				}
				base = append(base, filepath.Base(p))
			}
			if !slices.Equal(base, tc.want) {
				t.Errorf("got %q, want %q", base, tc.want)
			}
		})
	}
}

// TestSharedPcapsAreCaptures checks the real shared folder: every entry is
// a capture file that exists.
func TestSharedPcapsAreCaptures(t *testing.T) {
	for _, p := range SharedPcaps(t) {
		if !strings.HasSuffix(p, ".pcap") && !strings.HasSuffix(p, ".pcapng") {
			t.Errorf("%s is not a capture", p)
		}
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s: %v, want a regular file", p, err)
		}
	}
}

func TestSplitLines(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"\n", []string{""}},
		{"a", []string{"a"}},
		{"a\n", []string{"a"}},
		{"a\nb\n", []string{"a", "b"}},
		{"a\n\nb", []string{"a", "", "b"}},
		{"a\n\n", []string{"a", ""}},
		{"a\r\nb\r\n", []string{"a\r", "b\r"}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := SplitLines(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("SplitLines(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestReadLines(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.txt")
	if err := os.WriteFile(p, []byte("one\ttwo\nthree\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := ReadLines(t, p), []string{"one\ttwo", "three"}; !slices.Equal(got, want) {
		t.Errorf("ReadLines = %q, want %q", got, want)
	}
}

func TestFindFiles(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"b/x_flows.txt", "a_flows.txt", "b/c/y_flows.txt", "b/x_headers.txt", "d_flows.txt.bak"} {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A folder whose name matches is not a file.
	if err := os.Mkdir(filepath.Join(root, "e_flows.txt"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		suffix  string
		want    []string
		wantErr bool
	}{
		{"_flows.txt", []string{"a_flows.txt", "b/c/y_flows.txt", "b/x_flows.txt"}, false},
		{"_headers.txt", []string{"b/x_headers.txt"}, false},
		{"_endreport.txt", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.suffix, func(t *testing.T) {
			got, err := findFiles(root, tc.suffix)
			if (err != nil) != tc.wantErr {
				t.Fatalf("findFiles: %v, want error %v", err, tc.wantErr)
			}
			var rel []string
			for _, p := range got {
				r, err := filepath.Rel(root, p)
				if err != nil {
					t.Fatal(err)
				}
				rel = append(rel, filepath.ToSlash(r))
			}
			if !slices.Equal(rel, tc.want) {
				t.Errorf("got %q, want %q", rel, tc.want)
			}
		})
	}
	if _, err := findFiles(filepath.Join(root, "missing"), "_flows.txt"); err == nil {
		t.Error("findFiles of a missing folder gave no error")
	}
}
