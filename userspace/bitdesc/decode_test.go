package bitdesc

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowtap/flowtap/userspace/testenv"
)

// tawkExample is one `tawk -V arg` invocation and its recorded T2 output.
type tawkExample struct {
	arg  string
	want string
}

// readTawkExamples splits the reference file on its "$ tawk -V " prompts.
// Each part is the argument line followed by T2's output.
func readTawkExamples(t *testing.T) []tawkExample {
	t.Helper()
	path := filepath.Join(testenv.SharedDir(t, "t2-reference"), "tawk_V_examples.txt")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read examples: %v", err)
	}
	var out []tawkExample
	for _, part := range strings.Split(string(data), "$ tawk -V ")[1:] {
		arg, want, ok := strings.Cut(part, "\n")
		if !ok {
			t.Fatalf("example %q has no output", part)
		}
		out = append(out, tawkExample{arg: arg, want: want})
	}
	if len(out) == 0 {
		t.Fatalf("no examples in %s", path)
	}
	return out
}

func TestDecodeMatchesTawkExamples(t *testing.T) {
	for _, ex := range readTawkExamples(t) {
		t.Run(ex.arg, func(t *testing.T) {
			column, value, hasValue, err := ParseArg(ex.arg)
			if err != nil || !hasValue {
				t.Fatalf("ParseArg(%q) = %v, hasValue %v", ex.arg, err, hasValue)
			}
			var b strings.Builder
			if err := Decode(&b, column, value); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := b.String(); got != ex.want {
				t.Errorf("output differs\ngot:\n%q\nwant:\n%q", got, ex.want)
			}
		})
	}
}

// TestDecodeAllContainsExampleRows checks the full tables against every row
// and header T2 printed in the examples, and their shape against the vars
// file layout (one row per bit, an empty line after every fourth bit).
func TestDecodeAllContainsExampleRows(t *testing.T) {
	examples := readTawkExamples(t)
	tests := []struct {
		column string
		rows   int
	}{
		{ColFlowStat, 64},
		{ColTCPStatesAFlags, 8},
		{ColTCPWinStat, 1},
	}
	for _, tc := range tests {
		t.Run(tc.column, func(t *testing.T) {
			var b strings.Builder
			if err := DecodeAll(&b, tc.column); err != nil {
				t.Fatalf("DecodeAll: %v", err)
			}
			got := b.String()
			head := "\nThe " + tc.column + " column is to be interpreted as follows:\n\n"
			if !strings.HasPrefix(got, head) || !strings.HasSuffix(got, "\n\n") {
				t.Fatalf("bad framing:\n%q", got)
			}
			lines := strings.Split(strings.TrimSuffix(strings.TrimPrefix(got, head), "\n\n"), "\n")
			if want := 2 + tc.rows + (tc.rows-1)/4; len(lines) != want {
				t.Errorf("got %d lines, want %d", len(lines), want)
			}
			for _, ex := range examples {
				if !strings.HasPrefix(ex.arg, tc.column+"=") {
					continue
				}
				for _, l := range strings.Split(ex.want, "\n")[3:] {
					if l != "" && !strings.Contains(got, "\n"+l+"\n") {
						t.Errorf("row or header %q of %s missing", l, ex.arg)
					}
				}
			}
		})
	}
}

func TestDecodeAllBitsEqualsFullTable(t *testing.T) {
	tests := []struct {
		column string
		value  uint64
	}{
		{ColFlowStat, ^uint64(0)},
		{ColTCPStatesAFlags, 0xff},
	}
	for _, tc := range tests {
		t.Run(tc.column, func(t *testing.T) {
			var one, all strings.Builder
			if err := Decode(&one, tc.column, tc.value); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if err := DecodeAll(&all, tc.column); err != nil {
				t.Fatalf("DecodeAll: %v", err)
			}
			rows := func(s string) string {
				_, table, _ := strings.Cut(s, "follows:\n\n")
				return strings.ReplaceAll(table, "\n\n", "\n")
			}
			if rows(one.String()) != rows(all.String()) {
				t.Errorf("all-bits decode differs from full table\n%s\n%s", one.String(), all.String())
			}
		})
	}
}

func TestDecodeZeroHasNoRows(t *testing.T) {
	var b strings.Builder
	if err := Decode(&b, ColTCPStatesAFlags, 0); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	lines := strings.Split(b.String(), "\n")
	// "", sentence, "", header, rule, "", "" : no bit rows.
	if len(lines) != 7 || !strings.HasPrefix(lines[4], "   ====") {
		t.Errorf("got %q", b.String())
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name     string
		column   string
		value    uint64
		contains []string
	}{
		{"unknown column", "flowstat", 1, append([]string{`"flowstat"`}, Columns()...)},
		{"empty column", "", 1, Columns()},
		{"value too wide for H8", ColTCPStatesAFlags, 0x100, []string{ColTCPStatesAFlags, "0x100"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			err := Decode(&b, tc.column, tc.value)
			if err == nil {
				t.Fatalf("Decode(%q, %#x) = nil error", tc.column, tc.value)
			}
			for _, s := range tc.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if b.Len() != 0 {
				t.Errorf("wrote %q despite the error", b.String())
			}
		})
	}
	if err := DecodeAll(&strings.Builder{}, "nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("DecodeAll unknown column: got %v", err)
	}
}

type failWriter struct{}

var errWrite = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestDecodeWriteError(t *testing.T) {
	if err := Decode(failWriter{}, ColFlowStat, 1); !errors.Is(err, errWrite) {
		t.Errorf("Decode: got %v, want wrapped %v", err, errWrite)
	}
	if err := DecodeAll(failWriter{}, ColFlowStat); !errors.Is(err, errWrite) {
		t.Errorf("DecodeAll: got %v, want wrapped %v", err, errWrite)
	}
}

func TestParseArg(t *testing.T) {
	tests := []struct {
		arg       string
		column    string
		value     uint64
		hasValue  bool
		wantError bool
	}{
		{arg: "flowStat=0x0402000000004000", column: "flowStat", value: 0x0402000000004000, hasValue: true},
		{arg: "tcpStatesAFlags=0x4a", column: "tcpStatesAFlags", value: 0x4a, hasValue: true},
		{arg: "tcpStatesAFlags=0X4A", column: "tcpStatesAFlags", value: 0x4a, hasValue: true},
		{arg: "tcpStatesAFlags=67", column: "tcpStatesAFlags", value: 67, hasValue: true},
		{arg: "flowStat=0xffffffffffffffff", column: "flowStat", value: ^uint64(0), hasValue: true},
		{arg: "flowStat=0", column: "flowStat", value: 0, hasValue: true},
		{arg: "flowStat", column: "flowStat"},
		{arg: "", wantError: true},
		{arg: "=0x01", wantError: true},
		{arg: "flowStat=", wantError: true},
		{arg: "flowStat=0x", wantError: true},
		{arg: "flowStat=0xzz", wantError: true},
		{arg: "flowStat=4a", wantError: true},
		{arg: "flowStat=-1", wantError: true},
		{arg: "flowStat=0x10000000000000000", wantError: true},
		{arg: "flowStat=1=2", wantError: true},
	}
	for _, tc := range tests {
		t.Run(tc.arg, func(t *testing.T) {
			column, value, hasValue, err := ParseArg(tc.arg)
			if tc.wantError {
				if err == nil {
					t.Fatalf("ParseArg(%q) = %q, %#x, %v; want error", tc.arg, column, value, hasValue)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseArg(%q): %v", tc.arg, err)
			}
			if column != tc.column || value != tc.value || hasValue != tc.hasValue {
				t.Errorf("ParseArg(%q) = %q, %#x, %v; want %q, %#x, %v",
					tc.arg, column, value, hasValue, tc.column, tc.value, tc.hasValue)
			}
		})
	}
}
