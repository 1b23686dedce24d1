package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// shortUnits are T2's unit letters, indexed by the power of 1000.
const shortUnits = ".KMGTPEZY"

// ShortNum formats n as T2 prints counters: the number, then a short form
// when n >= 1024, e.g. "7237 (7.24 K)", "1009". T2 (t2_conv_readable_num)
// picks the unit from the binary magnitude, ilogb(n)/10, but divides by a
// power of 1000, so 1000000 prints as "1000000 (1000.00 K)" and 1009 gets no
// short form.
func ShortNum(n uint64) string {
	return strconv.FormatUint(n, 10) + shortSuffix(n, "")
}

// ShortNumUnit formats n with a unit in the short form only, as T2's
// T2_CONV_NUM_SFX: "10981 (10.98 Kb/s)", "432".
func ShortNumUnit(n uint64, unit string) string {
	return strconv.FormatUint(n, 10) + shortSuffix(n, unit)
}

// ShortRate formats a rate in bits per second as T2's T2_LOG_SPEED does:
// "2602 b/s (2.60 Kb/s)". The short form uses the truncated rate.
func ShortRate(bps float64) string {
	return cFixed(bps, 0) + " b/s" + shortSuffix(truncU64(bps), "b/s")
}

// Pct formats part as a percentage of total the way T2's counter lines do,
// "[57.14%]"; a zero total gives "[0.00%]".
func Pct(part, total uint64) string {
	return "[" + pctOrZero(float64(part), float64(total)) + "%]"
}

// FormatFloat formats v exactly as C printf "%.7g" (glibc), the format of
// T2's float columns: 61.53846, 0.1428571, 1e-07, 1.234568e+10, 0, -0,
// inf, nan. Go's 'g' verb with precision 7 applies C's rules for choosing
// between fixed and exponent form and for dropping trailing zeros; only the
// non-finite values need C's spelling.
func FormatFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		if math.Signbit(v) {
			return "-nan"
		}
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return strconv.FormatFloat(v, 'g', 7, 64)
}

// shortSuffix returns T2's " (7.24 K<unit>)" for n, or "" below 1024.
func shortSuffix(n uint64, unit string) string {
	if n < 1024 {
		return ""
	}
	i := min(math.Ilogb(float64(n))/10, len(shortUnits)-1)
	if i == 0 {
		return ""
	}
	return fmt.Sprintf(" (%.2f %c%s)", float64(n)/math.Pow10(3*i), shortUnits[i], unit)
}

// floatNum formats v as T2's "%.2f%s" lines with T2_CONV_NUM: "99864.43 (99.86 K)".
func floatNum(v float64) string {
	return cFixed(v, 2) + shortSuffix(truncU64(v), "")
}

// truncU64 converts like C's (uint64_t) cast for the values T2 passes to
// t2_conv_readable_num: truncation toward zero, clamped where C is undefined.
func truncU64(v float64) uint64 {
	switch {
	case !(v > 0): // also NaN
		return 0
	case v >= math.MaxUint64:
		return math.MaxUint64
	}
	return uint64(v)
}

// cFixed formats v with printf "%.<prec>f" as glibc spells it, including the
// non-finite values ("inf", "-nan").
func cFixed(v float64, prec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return FormatFloat(v)
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

// pctOrZero is T2's percentage in counter lines, 100.0*part/total with 2
// decimals, 0 when total is 0 (the T2_FLOG_NUMP0 macro guards it).
func pctOrZero(part, total float64) string {
	if total == 0 {
		return "0.00"
	}
	return cFixed(100.0*part/total, 2)
}

// pctUnguarded is the same percentage where T2 does not guard the divisor
// (alarm, force-mode and memory lines). The division by zero is spelled as
// glibc prints it on x86-64: "inf", or "-nan" for 0/0 (the default NaN has
// its sign bit set there).
func pctUnguarded(part, total float64) string {
	if total == 0 {
		if part == 0 {
			return "-nan"
		}
		return cFixed(math.Inf(int(math.Copysign(1, part))), 2)
	}
	return cFixed(100.0*part/total, 2)
}

// splitNs splits a nanosecond count into seconds and nanoseconds the way
// T2_TIMERSUB normalises a timeval: the nanoseconds are always in [0, 1e9).
func splitNs(ns int64) (sec, nsec int64) {
	sec, nsec = ns/1e9, ns%1e9
	if nsec < 0 {
		sec--
		nsec += 1e9
	}
	return sec, nsec
}

// logDate formats a capture time as T2's t2_log_date with TSTAMP_UTC=1:
// "Dump start: 1555002999.743518000 sec (Thu 11 Apr 2019 17:16:39 GMT)".
// T2 casts the seconds to uint32; so does this.
func logDate(prefix string, ns int64) string {
	sec, nsec := splitNs(ns)
	s := uint32(sec)
	t := time.Unix(int64(s), 0).UTC()
	return fmt.Sprintf("%s%d.%09d sec (%s GMT)", prefix, s, nsec, t.Format("Mon 02 Jan 2006 15:04:05"))
}

// wallDate formats the run's start as T2's "Date:" line. T2 passes a
// gettimeofday timeval, so the 9-digit fraction holds microseconds
// ("1795664316.000010379" is 10379 µs); the quirk is kept. The time prints
// in t's own location with its zone abbreviation (T2: localtime, %Z).
func wallDate(t time.Time) string {
	return fmt.Sprintf("Date: %d.%09d sec (%s)", uint32(t.Unix()), t.Nanosecond()/1000,
		t.Format("Mon 02 Jan 2006 15:04:05 MST"))
}

// logTime formats a duration as T2's t2_log_time: "20.701034000 sec", with
// " (1h 2m 5s)" appended from one minute on. Seconds print with a leading
// space and only when non-zero, exactly as T2 does ("(1h)", "(2m 5s)").
func logTime(prefix string, sec, nsec int64) string {
	s := uint32(sec)
	years := s / (365 * 86400)
	days := s/86400 - years*365
	hours := s/3600 - years*365*24 - days*24
	mins := s/60 - hours*60 - days*24*60 - years*365*24*60
	secs := s % 60
	var b strings.Builder
	fmt.Fprintf(&b, "%s%d.%09d sec", prefix, s, nsec)
	if years+days+hours+mins == 0 {
		return b.String()
	}
	b.WriteString(" (")
	if years > 0 {
		fmt.Fprintf(&b, "%dy", years)
	}
	if days > 0 {
		fmt.Fprintf(&b, "%s%dd", sep(years > 0), days)
	}
	if hours > 0 {
		fmt.Fprintf(&b, "%s%dh", sep(years > 0 || days > 0), hours)
	}
	if mins > 0 {
		fmt.Fprintf(&b, "%s%dm", sep(years > 0 || days > 0 || hours > 0), mins)
	}
	if secs > 0 {
		fmt.Fprintf(&b, " %ds", secs)
	}
	b.WriteString(")")
	return b.String()
}

// sep returns the space logTime puts between two units.
func sep(after bool) string {
	if after {
		return " "
	}
	return ""
}

// logDuration is logTime for a measured duration.
func logDuration(prefix string, d time.Duration) string {
	sec, nsec := splitNs(int64(d))
	return logTime(prefix, sec, nsec)
}
