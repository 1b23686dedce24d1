// Package bpfengine is the flow stage of `flowtap -r FILE --engine bpf`:
// it runs every packet through the XDP program with BPF_PROG_RUN, keeps
// the per-flow state in the kernel's flows map, mirrors what the program
// did into the engine's flow table (which keeps T2's LRU, expiry,
// eviction and flush decisions), writes pcapd's copies from the ring
// buffer, and applies the Go datapath to the kernel state for the packets
// the program punts. It owns the loaded objects of one run; it does not
// parse for the reports, write flows or decide when a flow ends.
package bpfengine

/*
Design. The engine (userspace/engine) keeps T2's order per packet: force-mode
removal, expiry on its flowtable.Table at the packet's time, then the flow
stage, which this package implements (engine.Stage), then the counting.

  - The table is a shadow of the kernel map: it holds the same keys (the map
    is sized to the table's capacity), the LRU order and, for each flow, a copy
    of the kernel state read back after every packet that touched the flow or
    its opposite (tcpStates and PD_OPP change the opposite). The copy is what
    expiry reads (last activity, tcpStates timeouts); when the table ends a
    pair, Ending takes the final state out of the kernel with lookup-and-delete
    (another flow's datagram takeover may have changed it since) and deletes a
    pending datagram's fragment entry.
  - A packet the program handled is mirrored from its result (the key it
    touched): a creation is Table.Create, anything else Table.Touch except a
    later fragment matched through the fragment table (T2 does not refresh
    those).
  - T2 evicts at creation, before pairing. The program refuses the insert
    when the map is full (PUNT_FLOW_FULL), which happens exactly when the table
    is; the reserved flowInd is given back and the Go path creates the flow,
    after the table evicted its least recently used pair.
  - Punted packets (tunnels, MPLS, PPPoE, LLC, other link types, big frames,
    a full map) and frames BPF_PROG_RUN cannot take (shorter than an Ethernet
    header, another link type than the one loaded) run through the Go
    datapath against the kernel: the fragment table is the kernel's, states
    are read before datapath.Update and written back after, a new
    conversation takes the program's next flowInd (offline nothing else runs,
    so the read-modify-write of flow_ind_last is safe).
  - pcapd: the program copies selected packets to the ring buffer; each copy
    is read right after its run (the ring never fills) and written by the
    plugin with the time and lengths the program was given, so the file is
    the Go engine's byte for byte.
  - The reports' per-packet figures come from the Go parse the engine makes
    anyway; the program's parse (status, header count, protocol, key) is
    checked against it for every packet it handled, and every disagreement
    and kernel counter is reported (Lines).
*/
