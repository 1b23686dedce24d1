package geo

import (
	"bufio"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedDir returns ../shared relative to the repository root, skipping the
// test when it is absent (failing under CI=true).
func sharedDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
	shared := filepath.Join(dir, "..", "shared")
	if _, err := os.Stat(shared); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared data %s missing (CI=true): %v", shared, err)
		}
		t.Skipf("shared data %s missing: %v", shared, err)
	}
	return shared
}

// TestReferenceFlows checks every srcIP/dstIP of T2's reference flows files
// against the CC and Org columns T2 printed next to it.
func TestReferenceFlows(t *testing.T) {
	root := filepath.Join(sharedDir(t), "t2-reference")
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, "_flows.txt") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatalf("walk reference outputs: %v", err)
	}
	if len(files) == 0 {
		t.Fatal("no reference flows files")
	}
	db := NewBuiltin()
	for _, f := range files {
		name, _ := filepath.Rel(root, f)
		t.Run(name, func(t *testing.T) {
			checked := 0
			for _, row := range readGeoColumns(t, f) {
				ip, err := netip.ParseAddr(row.ip)
				if err != nil {
					continue // non-IP flows print "-"
				}
				if got := db.Lookup(ip); got != row.info {
					t.Errorf("Lookup(%s) = %+v, T2 printed %+v", ip, got, row.info)
				}
				checked++
			}
			if checked == 0 {
				t.Log("no IP flows in this file")
			}
		})
	}
}

type geoRow struct {
	ip   string
	info Info
}

// readGeoColumns returns (IP, CC, Org) for both directions of every flow,
// with the Org column's quotes removed.
func readGeoColumns(t *testing.T, path string) []geoRow {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatalf("open reference flows: %v", err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	col := map[string]int{}
	var rows []geoRow
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(col) == 0 {
			for i, name := range fields {
				col[name] = i
			}
			for _, need := range []string{"srcIP", "srcIPCC", "srcIPOrg", "dstIP", "dstIPCC", "dstIPOrg"} {
				if _, ok := col[need]; !ok {
					t.Fatalf("%s: no %s column", path, need)
				}
			}
			continue
		}
		for _, side := range []string{"src", "dst"} {
			rows = append(rows, geoRow{
				ip: fields[col[side+"IP"]],
				info: Info{
					CC:  fields[col[side+"IPCC"]],
					Org: strings.Trim(fields[col[side+"IPOrg"]], `"`),
				},
			})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return rows
}
