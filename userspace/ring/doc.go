// Package ring reads the XDP program's ring buffer `packets` live: each
// record (struct pkt_record, then the frame bytes) becomes a capture
// packet with its original length and a wall-clock time, and goes to a
// sink: pcapd for packets the kernel extracted, the Go engine for packets
// it punted. It changes no byte of a record, owns no file and keeps no
// flow state; loss is counted by the kernel, malformed records here.
package ring
