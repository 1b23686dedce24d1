#!/usr/bin/env bash
# Live capture benchmarks (root; tcpreplay, iproute2): a veth pair whose
# ends live in two fresh network namespaces; captures generated with
# `flowtap gen --bench` are replayed into one end with tcpreplay (pinned
# to CPU 0, preloaded in memory) while flowtap (pinned to CPU 1) captures
# on the other.
#  1. veth throughput: packets/s tcpreplay reaches with no program, with
#     flowtap in native XDP mode and in generic mode (same capture, one
#     connection in 1000 an alarm flow).
#  2. capture efficacy: packets pcapd wrote / packets the kernel selected,
#     and ring-buffer drops, with more and more alarm flows (one
#     connection in N has zero windows; --pd-opp extracts both directions)
#     at paced and at top replay speed.
# Prints tables; BENCHMARKS.md records a run and its command.
set -euo pipefail
cd "$(dirname "$0")/.."
PKTS=${PKTS:-1000000}
CONNS=${CONNS:-50000}
RUNS=${RUNS:-3}
RATES=${RATES:-"50000 100000 200000 topspeed"}
ALARMS=${ALARMS:-"1000 100 10 1"}
FLOWTAP=${FLOWTAP:-./flowtap}
[ "$(id -u)" = 0 ] || { echo "bench-live.sh needs root (XDP, network namespaces)" >&2; exit 1; }
command -v tcpreplay >/dev/null || { echo "tcpreplay is not installed" >&2; exit 1; }
[ -x "$FLOWTAP" ] || go build -o "$FLOWTAP" ./cmd/flowtap
dir=testdata/bench
mkdir -p "$dir"
capture() { # zero-window-every -> path
  local f=$dir/live-$PKTS-$CONNS-zw$1.pcap
  [ -s "$f" ] || "$FLOWTAP" gen --bench --packets "$PKTS" --connections "$CONNS" --zero-window-every "$1" -o "$f" 2>/dev/null
  echo "$f"
}

CAP=ftbench-cap-$$ PEER=ftbench-peer-$$
out=$(mktemp -d)
cleanup() { ip netns del "$CAP" 2>/dev/null || true; ip netns del "$PEER" 2>/dev/null || true; rm -rf "$out"; }
trap cleanup EXIT
for ns in "$CAP" "$PEER"; do
  ip netns add "$ns"
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add cap0 netns "$CAP" mtu 3000 type veth peer name peer0 netns "$PEER" mtu 3000
ip -n "$CAP" link set cap0 up
ip -n "$PEER" link set peer0 up

rx() { ip netns exec "$CAP" cat /sys/class/net/cap0/statistics/rx_packets; }
replay() { # file pps|topspeed -> "pps sent"
  local speed=(--topspeed)
  [ "$2" = topspeed ] || speed=(--pps="$2")
  ip netns exec "$PEER" taskset -c 0 tcpreplay -q -K "${speed[@]}" -i peer0 "$1" > "$out/replay" 2>&1
  local pps sent
  pps=$(grep -o 'Rated: .*' "$out/replay" | grep -o '[0-9.]* pps' | cut -d' ' -f1)
  sent=$(grep -o 'Successful packets: *[0-9]*' "$out/replay" | grep -o '[0-9]*$')
  echo "${pps:-0} ${sent:-0}"
}
start_flowtap() { # mode extra-args... ; waits until attached
  rm -rf "$out/run"
  ip netns exec "$CAP" taskset -c 1 "$FLOWTAP" -i cap0 -w "$out/run/" --xdp-mode "$1" -c "$PKTS" --duration 300s "${@:2}" \
    > "$out/report" 2> "$out/log" &
  ftpid=$!
  for _ in $(seq 200); do
    ip -n "$CAP" link show cap0 | grep -q "prog/xdp" && return
    kill -0 "$ftpid" 2>/dev/null || { cat "$out/log" >&2; exit 1; }
    sleep 0.05
  done
  echo "flowtap did not attach" >&2; cat "$out/log" >&2; exit 1
}
stop_flowtap() { # -c ends flowtap; SIGINT if packets went missing
  for _ in $(seq 200); do kill -0 "$ftpid" 2>/dev/null || break; sleep 0.05; done
  kill -INT "$ftpid" 2>/dev/null || true
  wait "$ftpid" || { cat "$out/log" >&2; exit 1; }
}
field() { grep -o "$1: [0-9]*" "$out/report" | head -1 | grep -o '[0-9]*$'; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

base=$(capture 1000)
echo "machine: $(nproc) CPUs, $(uname -r); capture: $base ($PKTS packets, $CONNS connections, 254-byte frames); runs: $RUNS"
echo
echo "1. veth throughput (tcpreplay --topspeed -K into peer0, median of $RUNS)"
printf '%-22s %12s %14s %14s\n' setup "replay pps" "received" "seen by XDP"
for setup in none native generic; do
  pps=() rcv=() seen=()
  for _ in $(seq "$RUNS"); do
    before=$(rx)
    [ "$setup" = none ] || start_flowtap "$setup" -q
    read -r p s < <(replay "$base" topspeed)
    if [ "$setup" = none ]; then
      sleep 0.2; seen+=(0)
    else
      stop_flowtap; seen+=("$(field 'packets seen by the program')")
    fi
    pps+=("$p"); rcv+=("$(( $(rx) - before ))")
  done
  printf '%-22s %12s %14s %14s\n' "$setup" "$(median "${pps[@]}")" "$(median "${rcv[@]}")" "$(median "${seen[@]}")"
done
echo
echo "2. capture efficacy, native mode, --pd-opp (one run each)"
printf '%-12s %10s %12s %14s %12s %12s %12s %10s\n' "alarm 1/N" rate "replay pps" "alarm pkts/s" selected written "ring drops" efficacy
for n in $ALARMS; do
  f=$(capture "$n")
  for rate in $RATES; do
    start_flowtap native -q --pd-opp
    start=$(date +%s.%N)
    read -r p _ < <(replay "$f" "$rate")
    stop_flowtap
    sel=$(field 'packets selected for extraction')
    wr=$(grep -o 'packets written [0-9]*' "$out/report" | grep -o '[0-9]*$')
    drops=$(field 'ring buffer reserve failures (copies lost)')
    awk -v n="$n" -v r="$rate" -v p="$p" -v s="$sel" -v w="$wr" -v d="$drops" -v pk="$PKTS" 'BEGIN {
      ap = (pk > 0 ? p * s / pk : 0); e = (s > 0 ? 100 * w / s : 100)
      printf "%-12s %10s %12.0f %14.0f %12d %12d %12d %9.2f%%\n", "1/" n, r, p, ap, s, w, d, e }'
  done
done
