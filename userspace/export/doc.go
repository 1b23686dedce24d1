// Package export formats values the way T2's txtSink prints them: 9-digit
// timestamps, zero-padded lower-case hex, %.7g floats of float32 values,
// IP and MAC addresses. It appends to byte slices and never allocates on
// its own (the fast formatters may write into b's spare capacity past the
// result, as a grown-then-cut append would); it knows nothing about flows
// or files.
package export
