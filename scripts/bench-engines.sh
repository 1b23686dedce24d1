#!/usr/bin/env bash
# Per-packet cost of `flowtap --engine bpf` (every packet through the XDP
# program with BPF_PROG_RUN) next to `--engine go`, alternated in one run
# on the same generated capture. Needs root for the bpf engine.
# The cost per packet is the report's "Finished processing" time (reading,
# parsing, flow work, extraction; not the program load or the flush at
# end of file) divided by the packets; wall time is printed too.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
PKTS=${PKTS:-200000}
CONNS=${CONNS:-5000}
FLOWTAP=${FLOWTAP:-./flowtap}
dir=testdata/bench
cap=$dir/bench-$PKTS-$CONNS.pcap
mkdir -p "$dir"
[ -x "$FLOWTAP" ] || go build -o "$FLOWTAP" ./cmd/flowtap
[ -s "$cap" ] || "$FLOWTAP" gen --bench --packets "$PKTS" --connections "$CONNS" -o "$cap"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cat "$cap" > /dev/null # warm the page cache

measure() { # engine -> "processing_s wall_s"
  /usr/bin/time -f "%e" -o "$out/time" "$FLOWTAP" -r "$cap" -w "$out/" --pd-opp --engine "$1" > "$out/report" 2>"$out/err" ||
    { cat "$out/err" >&2; exit 1; }
  echo "$(awk '/^Finished processing. Elapsed time:/ {print $5}' "$out/report") $(cat "$out/time")"
}
declare -a gp gw bp bw
for i in $(seq "$RUNS"); do
  read -r p w < <(measure go); gp+=("$p"); gw+=("$w")
  read -r p w < <(measure bpf); bp+=("$p"); bw+=("$w")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
g=$(median "${gp[@]}"); b=$(median "${bp[@]}")
echo "capture: $cap ($PKTS packets, $CONNS connections), runs: $RUNS, machine: $(nproc) cores, $(uname -r)"
printf '%-6s %14s %12s %10s\n' engine "processing s" "ns/packet" "wall s"
awk -v t="$g" -v w="$(median "${gw[@]}")" -v p="$PKTS" 'BEGIN {printf "%-6s %14.3f %12.0f %10.2f\n", "go", t, t*1e9/p, w}'
awk -v t="$b" -v w="$(median "${bw[@]}")" -v p="$PKTS" 'BEGIN {printf "%-6s %14.3f %12.0f %10.2f\n", "bpf", t, t*1e9/p, w}'
awk -v a="$g" -v b="$b" 'BEGIN {printf "ratio bpf/go per packet: %.1f\n", b/a}'
echo "all runs go (processing s): ${gp[*]}"
echo "all runs bpf (processing s): ${bp[*]}"
