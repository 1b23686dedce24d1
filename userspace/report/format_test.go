package report

import (
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowtap/flowtap/userspace/testenv"
)

func TestShortNum(t *testing.T) {
	// Expectations with a short form come from the reference end reports
	// (../shared/t2-reference); the rest follow T2's t2_conv_readable_num
	// (unit from ilogb(n)/10, value divided by a power of 1000).
	tests := []struct {
		n    uint64
		want string
	}{
		{0, "0"},
		{999, "999"},
		{1000, "1000"},
		{1009, "1009"}, // "[WRN] 1009 alarms in 1008 flows" in big_endreport.txt
		{1023, "1023"},
		{1024, "1024 (1.02 K)"},
		{1725, "1725 (1.73 K)"},
		{7237, "7237 (7.24 K)"},
		{65535, "65535 (65.53 K)"},
		{800597, "800597 (800.60 K)"},
		{1000000, "1000000 (1000.00 K)"}, // below 2^20: still K
		{1048576, "1048576 (1.05 M)"},
		{2000000, "2000000 (2.00 M)"},
		{508000000, "508000000 (508.00 M)"},
		{1 << 30, "1073741824 (1.07 G)"},
		{math.MaxUint64, "18446744073709551615 (18.45 E)"},
	}
	for _, tc := range tests {
		t.Run(strconv.FormatUint(tc.n, 10), func(t *testing.T) {
			if got := ShortNum(tc.n); got != tc.want {
				t.Fatalf("ShortNum(%d) = %q, want %q", tc.n, got, tc.want)
			}
		})
	}
}

func TestShortRate(t *testing.T) {
	tests := []struct {
		name string
		bps  float64
		want string
	}{
		{"bgp bandwidth", 6733 * 8 / 20.701034, "2602 b/s (2.60 Kb/s)"},
		{"big bandwidth", 508000000 * 8 / 20.02715, "202924530 b/s (202.92 Mb/s)"},
		{"below 1024", 432, "432 b/s"},
		{"half rounds to even", 2.5, "2 b/s"},
		{"zero", 0, "0 b/s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ShortRate(tc.bps); got != tc.want {
				t.Fatalf("ShortRate(%v) = %q, want %q", tc.bps, got, tc.want)
			}
		})
	}
}

func TestPct(t *testing.T) {
	tests := []struct {
		part, total uint64
		want        string
	}{
		{52, 91, "[57.14%]"},
		{39, 91, "[42.86%]"},
		{18, 262144, "[0.01%]"},
		{199969, 262144, "[76.28%]"},
		{1, 1, "[100.00%]"},
		{0, 0, "[0.00%]"},
		{5, 0, "[0.00%]"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := Pct(tc.part, tc.total); got != tc.want {
				t.Fatalf("Pct(%d, %d) = %q, want %q", tc.part, tc.total, got, tc.want)
			}
		})
	}
}

func TestFormatFloatTable(t *testing.T) {
	// Expectations produced once with coreutils:
	//   /usr/bin/printf '%.7g\n' 61.538461538461538 0.14285714285714285 \
	//     -0.78698224852071 1e-07 12345678901 0 -0 1000000 0.0001 \
	//     0.00001234567 123456.75 1234567.5 nan -nan inf 2.5e-300 \
	//     1.7976931348623157e308
	tests := []struct {
		v    float64
		want string
	}{
		{800.0 / 13.0, "61.53846"},
		{1.0 / 7.0, "0.1428571"},
		{-0.78698224852071, "-0.7869822"},
		{1e-07, "1e-07"},
		{12345678901, "1.234568e+10"},
		{0, "0"},
		{math.Copysign(0, -1), "-0"},
		{1000000, "1000000"},
		{0.0001, "0.0001"},
		{0.00001234567, "1.234567e-05"},
		{123456.75, "123456.8"},
		{1234567.5, "1234568"},
		{math.NaN(), "nan"},
		{-math.NaN(), "-nan"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{2.5e-300, "2.5e-300"},
		{math.MaxFloat64, "1.797693e+308"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := FormatFloat(tc.v); got != tc.want {
				t.Fatalf("FormatFloat(%v) = %q, want %q", tc.v, got, tc.want)
			}
		})
	}
}

// TestFormatFloatMatchesPrintf compares FormatFloat with coreutils printf
// '%.7g' on values spanning the fixed/exponent boundaries and rounding ties.
// printf parses its arguments as long double; each value is passed with 40
// fractional digits, which parse back to exactly the float64, so the
// long-double formatting equals C's double formatting.
func TestFormatFloatMatchesPrintf(t *testing.T) {
	printf := testenv.RequireTool(t, "printf")
	if !strings.HasPrefix(printf, "/") {
		testenv.Unavailable(t, "printf binary not found: "+printf+" is not an absolute path")
	}
	values := printfSamples()
	args := []string{"%.7g\n"}
	for _, v := range values {
		args = append(args, strconv.FormatFloat(v, 'e', 40, 64))
	}
	cmd := exec.Command(printf, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("run printf: %v", err)
	}
	want := testenv.SplitLines(string(out))
	if len(want) != len(values) {
		t.Fatalf("printf printed %d lines for %d values", len(want), len(values))
	}
	for i, v := range values {
		if got := FormatFloat(v); got != want[i] {
			t.Errorf("FormatFloat(%s) = %q, printf %%.7g = %q", args[i+1], got, want[i])
		}
	}
}

// printfSamples returns ratios like T2's float columns, powers of ten around
// the %g switch points, values at 7-digit rounding ties and random values
// over a wide exponent range.
func printfSamples() []float64 {
	var vs []float64
	for i := 1; i <= 40; i++ {
		for j := 1; j <= 40; j += 3 {
			vs = append(vs, float64(i)/float64(j), -float64(i)/float64(j*1000))
		}
	}
	for e := -12; e <= 12; e++ {
		p := math.Pow10(e)
		vs = append(vs, p, p*0.99999995, p*9.9999995, p*1.2345675, -p*5.5555555)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		vs = append(vs, (r.Float64()-0.5)*math.Pow10(r.IntN(60)-30))
	}
	return vs
}

func TestLogTime(t *testing.T) {
	// t2_log_time: seconds.nanoseconds, then years/days/hours/minutes from
	// one minute on; seconds carry a leading space and only when non-zero.
	tests := []struct {
		sec, nsec int64
		want      string
	}{
		{20, 701034000, "T: 20.701034000 sec"},
		{0, 0, "T: 0.000000000 sec"},
		{59, 999999999, "T: 59.999999999 sec"},
		{60, 0, "T: 60.000000000 sec (1m)"},
		{125, 5, "T: 125.000000005 sec (2m 5s)"},
		{3600, 0, "T: 3600.000000000 sec (1h)"},
		{3605, 0, "T: 3605.000000000 sec (1h 5s)"},
		{3725, 0, "T: 3725.000000000 sec (1h 2m 5s)"},
		{86400 + 7, 0, "T: 86407.000000000 sec (1d 7s)"},
		{366*86400 + 3661, 0, "T: 31626061.000000000 sec (1y 1d 1h 1m 1s)"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := logTime("T: ", tc.sec, tc.nsec); got != tc.want {
				t.Fatalf("logTime(%d, %d) = %q, want %q", tc.sec, tc.nsec, got, tc.want)
			}
		})
	}
}

func TestLogDate(t *testing.T) {
	tests := []struct {
		prefix string
		ns     int64
		want   string
	}{
		// bgp-4byte-asn_endreport.txt
		{"Dump start: ", 1555002999743518000, "Dump start: 1555002999.743518000 sec (Thu 11 Apr 2019 17:16:39 GMT)"},
		{"Dump stop : ", 1555003020444552000, "Dump stop : 1555003020.444552000 sec (Thu 11 Apr 2019 17:17:00 GMT)"},
		{"Dump stop : ", 0, "Dump stop : 0.000000000 sec (Thu 01 Jan 1970 00:00:00 GMT)"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := logDate(tc.prefix, tc.ns); got != tc.want {
				t.Fatalf("logDate(%d) = %q, want %q", tc.ns, got, tc.want)
			}
		})
	}
}

func TestWallDateKeepsMicrosecondQuirk(t *testing.T) {
	// bgp-4byte-asn_endreport.txt prints "Date: 1795664316.000010379 sec
	// (Thu 26 Nov 2026 03:38:36 UTC)": 10379 µs in a 9-digit field.
	d := time.Unix(1795664316, 10379*1000+999).UTC()
	want := "Date: 1795664316.000010379 sec (Thu 26 Nov 2026 03:38:36 UTC)"
	if got := wallDate(d); got != want {
		t.Fatalf("wallDate = %q, want %q", got, want)
	}
}

func TestHeaderCountObserve(t *testing.T) {
	t.Run("bgp mix", func(t *testing.T) {
		var h HeaderCount
		// 12 two-header ARP frames (every 8th of 91) among 79 TCP frames.
		for i := range 91 {
			hdrs := uint16(3)
			if i%8 == 0 {
				hdrs = 2
			}
			h.Observe(hdrs, uint64(i+1))
		}
		if h.Min != 2 || h.Max != 3 || h.Seen != 91 {
			t.Fatalf("min/max/seen = %d/%d/%d, want 2/3/91", h.Min, h.Max, h.Seen)
		}
		if got := cFixed(float64(h.Mean), 2); got != "2.87" {
			t.Fatalf("mean = %s, want 2.87 (261/91)", got)
		}
	})
	t.Run("constant stays exact", func(t *testing.T) {
		var h HeaderCount
		for n := uint64(1); n <= 10000; n++ {
			h.Observe(3, n)
		}
		if h.Mean != 3 {
			t.Fatalf("mean = %v, want exactly 3", h.Mean)
		}
	})
	t.Run("shortcut is the blend", func(t *testing.T) {
		// Observe skips blendMean when the stack equals the mean; the
		// blend must then return the mean unchanged for any packet number.
		for hdrs := uint16(0); hdrs < 64; hdrs++ {
			for n := uint64(2); n < 1<<22; n = n*3/2 + 1 {
				m := float32(hdrs)
				if got := blendMean(m, hdrs, n); got != m {
					t.Fatalf("blendMean(%v, %d, %d) = %v", m, hdrs, n, got)
				}
			}
		}
	})
	t.Run("skipped records weigh", func(t *testing.T) {
		// First dissected packet is record 2: t = 1/2, mean = 0.5*0 + 0.5*4.
		var h HeaderCount
		h.Observe(4, 2)
		if h.Mean != 2 || h.Min != 4 || h.Max != 4 {
			t.Fatalf("mean/min/max = %v/%d/%d, want 2/4/4", h.Mean, h.Min, h.Max)
		}
	})
	t.Run("nothing seen", func(t *testing.T) {
		var h HeaderCount
		if got := h.reportedMin(); got != 65535 {
			t.Fatalf("reportedMin = %d, want 65535", got)
		}
	})
}
