#!/usr/bin/env bash
# flowtap against tcpdump on the same generated capture, in one run.
# Generates testdata/bench/bench.pcap (2,000,000 packets, 100,000 TCP
# connections, 254-byte frames) unless present, then alternates
# `tcpdump -r FILE -w /dev/null` and `flowtap -r FILE -w DIR/` RUNS times
# and prints wall time, packets/s and peak RSS of each, and the ratios.
# Machines are noisy: compare the ratio, not the absolute figures.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
PKTS=${PKTS:-2000000}
CONNS=${CONNS:-100000}
FLOWTAP=${FLOWTAP:-./flowtap}
dir=testdata/bench
cap=$dir/bench-$PKTS-$CONNS.pcap
mkdir -p "$dir"
[ -x "$FLOWTAP" ] || go build -o "$FLOWTAP" ./cmd/flowtap
if [ ! -s "$cap" ]; then
  "$FLOWTAP" gen --bench --packets "$PKTS" --connections "$CONNS" -o "$cap"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cat "$cap" > /dev/null # warm the page cache for both tools

measure() { # name cmd... -> "seconds maxrss_kb"
  /usr/bin/time -f "%e %M" -o "$out/time" "${@:2}" > /dev/null 2>"$out/err" || { cat "$out/err" >&2; exit 1; }
  cat "$out/time"
}
declare -a td ft tdm ftm
for i in $(seq "$RUNS"); do
  read -r s m < <(measure tcpdump tcpdump -r "$cap" -w /dev/null); td+=("$s"); tdm+=("$m")
  read -r s m < <(measure flowtap "$FLOWTAP" -q -r "$cap" -w "$out/" --pd-opp); ft+=("$s"); ftm+=("$m")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
t1=$(median "${td[@]}"); t2=$(median "${ft[@]}")
m1=$(median "${tdm[@]}"); m2=$(median "${ftm[@]}")
echo "capture: $cap ($PKTS packets, $CONNS connections), runs: $RUNS, machine: $(nproc) cores, $(uname -r)"
printf '%-8s %10s %14s %12s\n' tool "wall s" "packets/s" "peak RSS MB"
awk -v t="$t1" -v m="$m1" -v p="$PKTS" 'BEGIN {printf "%-8s %10.3f %14.0f %12.1f\n", "tcpdump", t, p/t, m/1024}'
awk -v t="$t2" -v m="$m2" -v p="$PKTS" 'BEGIN {printf "%-8s %10.3f %14.0f %12.1f\n", "flowtap", t, p/t, m/1024}'
awk -v a="$t1" -v b="$t2" 'BEGIN {printf "ratio flowtap/tcpdump wall time: %.2f (target <= 2)\n", b/a}'
# The fastest runs show the cost with the least interference from the
# host's other tenants, which slow flowtap's memory-bound flow table far
# more than tcpdump's sequential read.
b1=$(printf '%s\n' "${td[@]}" | sort -g | head -1); b2=$(printf '%s\n' "${ft[@]}" | sort -g | head -1)
awk -v a="$b1" -v b="$b2" 'BEGIN {printf "fastest runs: tcpdump %.3f s, flowtap %.3f s, ratio %.2f\n", a, b, b/a}'
echo "all runs tcpdump: ${td[*]}"
echo "all runs flowtap: ${ft[*]}"
