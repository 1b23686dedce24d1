package capture

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/flowtap/flowtap/userspace/testenv"
)

// TestLinkTypeName checks T2's end-report text. "Ethernet [EN10MB/1]" is
// copied from the T2 reference end reports; the others are libpcap's
// name and description with the Linux DLT number, as T2 prints them.
func TestLinkTypeName(t *testing.T) {
	tests := []struct {
		lt   uint32
		want string
	}{
		{1, "Ethernet [EN10MB/1]"},
		{0, "BSD loopback [NULL/0]"},
		{113, "Linux cooked v1 [LINUX_SLL/113]"},
		{276, "Linux cooked v2 [LINUX_SLL2/276]"},
		{101, "Raw IP [RAW/12]"}, // LINKTYPE_RAW is DLT_RAW 12 on Linux
		{12, "Raw IP [RAW/12]"},
		{228, "Raw IPv4 [IPV4/228]"},
		{229, "Raw IPv6 [IPV6/229]"},
		{239, "Linux netfilter log messages [NFLOG/239]"},
		{100, "RFC 1483 LLC-encapsulated ATM [ATM_RFC1483/11]"},
		{65000, "(null) [(null)/65000]"},
	}
	for _, tc := range tests {
		t.Run(strconv.Itoa(int(tc.lt)), func(t *testing.T) {
			if got := LinkTypeName(tc.lt); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestLinkTypeAndSnaplenMatchTcpdump compares LinkTypeName and Snaplen for
// every shared capture with what tcpdump (libpcap, as used by T2) reports
// when it opens the file: "link-type NAME (DESCRIPTION), snapshot length N".
func TestLinkTypeAndSnaplenMatchTcpdump(t *testing.T) {
	files := testenv.SharedPcaps(t)
	tcpdump := testenv.RequireTool(t, "tcpdump")
	re := regexp.MustCompile(`link-type (\S+) \((.*)\), snapshot length (\d+)`)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			out, _ := exec.Command(tcpdump, "-r", file, "-c", "1", "-nn").CombinedOutput()
			m := re.FindSubmatch(out)
			if m == nil {
				t.Fatalf("no link-type line in tcpdump output:\n%s", out)
			}
			r, err := Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			name := LinkTypeName(r.LinkType())
			if want := string(m[2]) + " [" + string(m[1]) + "/"; len(name) < len(want) || name[:len(want)] != want {
				t.Errorf("LinkTypeName %q, tcpdump says %s (%s)", name, m[1], m[2])
			}
			if got := strconv.Itoa(int(r.Snaplen())); got != string(m[3]) {
				t.Errorf("Snaplen %s, tcpdump %s", got, m[3])
			}
		})
	}
}
