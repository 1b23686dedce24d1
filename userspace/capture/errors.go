package capture

import (
	"errors"
	"fmt"
)

// ErrTruncated is wrapped by every error caused by a capture that ends in
// the middle of a file header, record header, block or packet.
var ErrTruncated = errors.New("truncated capture")

// ErrCorrupt is wrapped by every error caused by content that cannot be a
// valid capture: unknown magic, absurd lengths, bad blocks, unsupported
// versions.
var ErrCorrupt = errors.New("corrupt capture")

// RecordError describes a fault at one place in a capture file. Everything
// before Offset was returned normally.
type RecordError struct {
	// Name is the capture's name as given to Open or NewReader.
	Name string
	// Record is the 1-based number of the packet record that could not be
	// read; 0 for the file header.
	Record uint64
	// Offset is the byte offset of the faulty record header or block.
	Offset int64
	// Reason says what is wrong, with the sizes involved.
	Reason string
	// Err is ErrTruncated, ErrCorrupt or the error of the underlying reader.
	Err error
}

// Error formats the fault as "read NAME: record N at offset O: REASON".
func (e *RecordError) Error() string {
	if e.Record == 0 {
		return fmt.Sprintf("read %s: file header at offset %d: %s", e.Name, e.Offset, e.Reason)
	}
	return fmt.Sprintf("read %s: record %d at offset %d: %s", e.Name, e.Record, e.Offset, e.Reason)
}

// Unwrap returns the sentinel or underlying error.
func (e *RecordError) Unwrap() error { return e.Err }
