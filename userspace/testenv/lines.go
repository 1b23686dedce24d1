package testenv

import (
	"os"
	"strings"
	"testing"
)

// SplitLines splits text into lines at '\n', without their line ends. A
// final line end does not start another, empty line, and "" has no lines.
// A '\r' stays in its line, so a CRLF file does not compare equal to an LF
// one.
func SplitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// ReadLines returns the lines of a text file as SplitLines gives them,
// failing the test when the file cannot be read.
func ReadLines(t testing.TB, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return SplitLines(string(data))
}
