package export

import (
	"net/netip"
	"os/exec"
	"strings"
	"testing"

	"github.com/flowtap/flowtap/userspace/testenv"
)

func TestAppendTS(t *testing.T) {
	cases := []struct {
		ns   int64
		want string
	}{
		{1555002999973684000, "1555002999.973684000"},
		{0, "0.000000000"},
		{130000000, "0.130000000"},
		{-1500000000, "-1.500000000"},
	}
	for _, c := range cases {
		if got := string(AppendTS(nil, c.ns)); got != c.want {
			t.Errorf("AppendTS(%d) = %q, want %q", c.ns, got, c.want)
		}
	}
}

func TestAppendHex(t *testing.T) {
	if got := string(AppendHex(nil, 0x0402000000004001, 16)); got != "0x0402000000004001" {
		t.Errorf("got %s", got)
	}
	if got := string(AppendHex(nil, 0x43, 2)); got != "0x43" {
		t.Errorf("got %s", got)
	}
	if got := string(AppendHex(nil, 0x800, 4)); got != "0x0800" {
		t.Errorf("got %s", got)
	}
}

// TestAppendFloatMatchesC compares with the shell's printf, which uses C's
// %.7g, on values from the T2 reference flows files and edge cases.
func TestAppendFloatMatchesC(t *testing.T) {
	vals := []float64{61.53846153846, 0.142857142857, -0.78698224852, 2.25, 7.1486212, 25.1666666667,
		45.771261, 1e-7, 1.23456789e10, 0.01625, 0.0106323, 138.461538, 1372.72727, -0.5, 100, 123456789, 0.5e-4}
	printf := testenv.RequireTool(t, "printf")
	for _, v := range vals {
		f32 := float64(float32(v))
		out, err := exec.Command(printf, "%.7g", strings.TrimSpace(string(AppendFloatRaw(f32)))).Output()
		if err != nil {
			t.Fatalf("printf: %v", err)
		}
		if got := string(AppendFloat(nil, v)); got != string(out) {
			t.Errorf("AppendFloat(%v) = %q, C printf = %q", v, got, out)
		}
	}
	if got := string(AppendFloat(nil, 0)); got != "0" {
		t.Errorf("zero: %q", got)
	}
}

func TestAppendIPMAC(t *testing.T) {
	if got := string(AppendIP(nil, netip.Addr{})); got != "-" {
		t.Errorf("invalid addr: %q", got)
	}
	if got := string(AppendIP(nil, netip.MustParseAddr("2001:db8::1"))); got != "2001:db8::1" {
		t.Errorf("v6: %q", got)
	}
	if got := string(AppendMAC(nil, [6]byte{0x26, 0x20, 0x3c, 1, 0xe0, 0x0f})); got != "26:20:3c:01:e0:0f" {
		t.Errorf("mac: %q", got)
	}
	if got := string(AppendQuoted(nil, "Private network")); got != `"Private network"` {
		t.Errorf("quoted: %q", got)
	}
}
