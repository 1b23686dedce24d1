// Package loader loads flowtap's XDP program (the committed gen/ object)
// into the kernel: it sets the knobs from a datapath.Config before load,
// sizes the maps, and runs single packets through BPF_PROG_RUN for replay
// and tests. It owns the kernel objects and their lifetime; it does not
// attach to interfaces, expire flows or read the ring buffer, and it holds
// no flow logic of its own (that is bpf/ and userspace/datapath).
package loader
