package geo

import (
	"bufio"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowtap/flowtap/userspace/testenv"
)

// TestReferenceFlows checks every srcIP/dstIP of T2's reference flows files
// against the CC and Org columns T2 printed next to it.
func TestReferenceFlows(t *testing.T) {
	root := testenv.SharedDir(t, "t2-reference")
	db := NewBuiltin()
	for _, f := range testenv.SharedFiles(t, "t2-reference", "_flows.txt") {
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
