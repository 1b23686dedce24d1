package gen

//go:generate go tool bpf2go -cc ${BPF2GO_CC} -cflags ${BPF2GO_CFLAGS} -target bpfel -type pkt_record -type counter_id -type punt_reason Flowtap ../bpf/xdp_flowtap.bpf.c -- -I../bpf -I/usr/include/x86_64-linux-gnu -mcpu=v3
