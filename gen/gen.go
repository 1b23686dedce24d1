package gen

//go:generate go tool bpf2go -cc ${BPF2GO_CC} -cflags ${BPF2GO_CFLAGS} -target bpfel Flowtap ../bpf/xdp_flowtap.bpf.c -- -I../bpf -I/usr/include/x86_64-linux-gnu
