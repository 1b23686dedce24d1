package bitdesc

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ruleWidth is the number of '=' in the rule under the header row.
const ruleWidth = 77

// Decode writes the `tawk -V column=value` table of value: the sentence, the
// header, the rule and one row per set bit, lowest bit first
// (t2-semantics.md section 6, "Layout rules"). The value in the sentence is
// printed the way T2 prints the column (0x plus 16 or 2 hex digits), not as
// the user typed it. Set bits without a description print no row, as in T2.
func Decode(w io.Writer, column string, value uint64) error {
	t, err := tableFor(column)
	if err != nil {
		return err
	}
	if t.width == h8 && value > 0xff {
		return fmt.Errorf("decode %s: value %#x does not fit an H8 column", column, value)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nThe %s column with value %s is to be interpreted as follows:\n\n",
		column, plainValue(t.width, value))
	writeHeader(&b, t)
	for n, desc := range t.desc {
		if value&(1<<uint(n)) != 0 {
			writeRow(&b, t, n, desc)
		}
	}
	b.WriteString("\n")
	return writeAll(w, column, b.String())
}

// DecodeAll writes the whole table of column, as `tawk -V column` does when
// no value is given. Like T2's vars files, the rows come in groups of four
// bits separated by an empty line.
func DecodeAll(w io.Writer, column string) error {
	t, err := tableFor(column)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nThe %s column is to be interpreted as follows:\n\n", column)
	writeHeader(&b, t)
	for n, desc := range t.desc {
		writeRow(&b, t, n, desc)
		if n%4 == 3 && n != len(t.desc)-1 {
			b.WriteString("\n")
		}
	}
	b.WriteString("\n")
	return writeAll(w, column, b.String())
}

// ParseArg splits a tawk -V style argument: "flowStat=0x0402000000004000"
// (hex with a 0x prefix, or decimal) or a bare "flowStat". hasValue reports
// whether a value was given. The column name is not checked here; Decode and
// DecodeAll reject unknown ones.
func ParseArg(arg string) (column string, value uint64, hasValue bool, err error) {
	column, raw, hasValue := strings.Cut(arg, "=")
	if column == "" {
		return "", 0, false, fmt.Errorf("parse %q: missing column name", arg)
	}
	if !hasValue {
		return column, 0, false, nil
	}
	if raw == "" {
		return "", 0, false, fmt.Errorf("parse %q: missing value after '='", arg)
	}
	digits, base := raw, 10
	if strings.HasPrefix(raw, "0x") || strings.HasPrefix(raw, "0X") {
		digits, base = raw[2:], 16
	}
	value, err = strconv.ParseUint(digits, base, 64)
	if err != nil {
		return "", 0, false, fmt.Errorf("parse value of %s: %w", column, err)
	}
	return column, value, true, nil
}

// tableFor returns the table of column or an error naming the known columns.
func tableFor(column string) (table, error) {
	t, ok := lookup(column)
	if !ok {
		return table{}, fmt.Errorf("unknown column %q (known: %s)",
			column, strings.Join(Columns(), ", "))
	}
	return t, nil
}

// writeHeader writes the header row and the rule. The middle column is as
// wide as the longer of the column name and a formatted value.
func writeHeader(b *strings.Builder, t table) {
	fmt.Fprintf(b, "%6s | %-*s | Description\n", "bit", middleWidth(t), t.column)
	b.WriteString("   " + strings.Repeat("=", ruleWidth) + "\n")
}

// writeRow writes the row of bit n.
func writeRow(b *strings.Builder, t table, n int, desc string) {
	fmt.Fprintf(b, "%6d | %-*s | %s\n", n, middleWidth(t), formatValue(t.width, 1<<uint(n)), desc)
}

func middleWidth(t table) int {
	return max(len(t.column), len(formatValue(t.width, 0)))
}

// formatValue prints v as T2 does in tawk tables: H64 as four
// space-separated groups of four hex digits, H8 as two hex digits.
func formatValue(wd width, v uint64) string {
	if wd == h8 {
		return fmt.Sprintf("0x%02x", v)
	}
	return fmt.Sprintf("0x%04x %04x %04x %04x", v>>48, v>>32&0xffff, v>>16&0xffff, v&0xffff)
}

// plainValue prints v as it appears in a flows file and the end report:
// 0x and 16 or 2 lower-case hex digits.
func plainValue(wd width, v uint64) string {
	if wd == h8 {
		return fmt.Sprintf("0x%02x", v)
	}
	return fmt.Sprintf("0x%016x", v)
}

func writeAll(w io.Writer, column, s string) error {
	if _, err := io.WriteString(w, s); err != nil {
		return fmt.Errorf("write %s table: %w", column, err)
	}
	return nil
}
