// Package capture reads capture files for the offline engine and writes
// pcapd's output file.
//
// It owns the on-disk formats: classic pcap (microsecond and nanosecond
// magic, either byte order) and pcapng (several sections and interfaces),
// and the link-type names of the end report. It hands out raw records only:
// it must not decode packet contents, keep per-packet state or allocate per
// packet on the read path, and it never logs.
package capture
