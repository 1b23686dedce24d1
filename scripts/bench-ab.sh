#!/usr/bin/env bash
# Alternate several flowtap binaries (and tcpdump) on the benchmark capture
# and print the median wall time, CPU time (user+sys) and the report's
# "Finished processing" time of each. This VM's neighbours move absolute
# figures by ±25 % within minutes, so compare builds only within one run:
#   RUNS=11 scripts/bench-ab.sh /tmp/flowtap-old ./flowtap
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-9}
cap=${CAP:-testdata/bench/bench-2000000-100000.pcap}
[ -s "$cap" ] || { echo "no $cap: run scripts/bench.sh once to generate it" >&2; exit 1; }
[ $# -gt 0 ] || { echo "usage: $0 FLOWTAP_BINARY..." >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
declare -A wall cpu proc
for _ in $(seq "$RUNS"); do
  /usr/bin/time -f "%e %U %S" -o "$out/t" tcpdump -r "$cap" -w /dev/null 2>/dev/null
  read -r w u s < "$out/t"; wall[tcpdump]+="$w "; cpu[tcpdump]+="$(awk -v u="$u" -v s="$s" 'BEGIN {print u+s}') "
  for b in "$@"; do
    /usr/bin/time -f "%e %U %S" -o "$out/t" "$b" -r "$cap" -w "$out/" --pd-opp > "$out/report" 2>/dev/null
    read -r w u s < "$out/t"; wall[$b]+="$w "; cpu[$b]+="$(awk -v u="$u" -v s="$s" 'BEGIN {print u+s}') "
    proc[$b]+="$(awk '/^Finished processing/ {print $5}' "$out/report") "
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}'; }
printf '%-40s %8s %8s %12s\n' binary "wall s" "cpu s" "processing s"
for b in tcpdump "$@"; do
  p="-"; [ "$b" = tcpdump ] || p=$(median ${proc[$b]})
  # shellcheck disable=SC2086
  printf '%-40s %8s %8s %12s\n' "$b" "$(median ${wall[$b]})" "$(median ${cpu[$b]})" "$p"
done
