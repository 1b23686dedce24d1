package plugins

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtap/flowtap/plugins/api"
	"github.com/flowtap/flowtap/userspace/testenv"
)

func TestNames(t *testing.T) {
	// t2-semantics.md section 7: basicFlow, basicStats, tcpStates, tcpWin,
	// then txtSink and pcapd.
	want := []string{"basicFlow", "basicStats", "tcpStates", "tcpWin", "txtSink", "pcapd"}
	got := New(api.Options{}, "p", false).Names()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestColumns(t *testing.T) {
	// Column names and types in the order of sections 7.1-7.4 (45 columns).
	want := []string{
		"C dir", "U64 flowInd",
		"H64 flowStat", "U64.U32 timeFirst", "U64.U32 timeLast", "U64.U32 duration", "U8 numHdrDesc",
		"U16:R numHdrs", "SC:R hdrDesc", "MAC:R srcMac", "MAC:R dstMac", "H16 ethType", "U16:R vlanID",
		"IPX srcIP", "SC srcIPCC", "S srcIPOrg", "U16 srcPort", "IPX dstIP", "SC dstIPCC", "S dstIPOrg",
		"U16 dstPort", "U8 l4Proto",
		"U64 pktsSnt", "U64 pktsRcvd", "I64 padBytesSnt", "U64 l7BytesSnt", "U64 l7BytesRcvd",
		"U16 minL7PktSz", "U16 maxL7PktSz", "F avgL7PktSz", "F stdL7PktSz", "F minIAT", "F maxIAT",
		"F avgIAT", "F stdIAT", "F pktps", "F bytps", "F pktAsm", "F bytAsm",
		"H8 tcpStatesAFlags",
		"H8 tcpWinStat", "U8 tcpWinTtl", "U32 tcpWinInit", "U32 tcpWinThCnt", "F tcpWinThRatio",
	}
	cols := New(api.Options{}, "p", false).Columns()
	if len(cols) != len(want) {
		t.Fatalf("got %d columns, want %d", len(cols), len(want))
	}
	for i, w := range want {
		if got := cols[i].Type + " " + cols[i].Name; got != w {
			t.Errorf("column %d: got %q, want %q", i+1, got, w)
		}
		if cols[i].Desc == "" {
			t.Errorf("column %d (%s) has no description", i+1, cols[i].Name)
		}
	}
	core := CoreColumns()
	if len(core) != 2 || core[0] != cols[0] || core[1] != cols[1] {
		t.Errorf("CoreColumns %v, want the first two columns", core)
	}
}

// TestColumnsMatchT2 compares columns 1-40 (type, name, description) with
// T2's headers file; 41+ are tcpWin's and flowtap's own (section 7.6).
func TestColumnsMatchT2(t *testing.T) {
	ref := testenv.SharedFile(t, "t2-reference/bgp-4byte-asn/bgp-4byte-asn_headers.txt")
	b, err := os.ReadFile(ref)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.SplitN(l, "\t", 2); len(f) == 2 && !strings.HasPrefix(l, "#") {
			rows[f[0]] = f[1]
		}
	}
	cols := New(api.Options{}, "p", false).Columns()
	for i := 0; i < 40; i++ {
		no := strconv.Itoa(i + 1)
		got := cols[i].Type + "\t" + cols[i].Name + "\t" + cols[i].Desc
		if rows[no] != got {
			t.Errorf("column %s: got %q, want %q", no, got, rows[no])
		}
	}
}

func TestTypedHandles(t *testing.T) {
	s := New(api.Options{}, "/tmp/some/prefix", true)
	var tw, pd bool
	for _, p := range s.List {
		tw = tw || p == Plugin(s.TCPWin)
		pd = pd || p == Plugin(s.Pcapd)
	}
	if !tw || !pd {
		t.Errorf("typed handles not in List: tcpWin %v pcapd %v", tw, pd)
	}
	if s.Pcapd.Path() != "/tmp/some/prefix_pcapd.pcap" {
		t.Errorf("pcapd path %q", s.Pcapd.Path())
	}
}
