#!/usr/bin/env bash
# Direct messages between pairs of peers, Switchboard (relay.send in binary envelopes over
# WebSocket) beside nats-server (core NATS, each peer subscribed to its own subject, its partner
# publishing there), in one run: each server pinned to CPU 0, the load generator to CPU 1. Needs
# the built jars (mvn -DskipTests package) and nats-server.
# Usage: switchboard-bench/scripts/compare-relay.sh [pairs...]   (default: 1 10 50)
# PAYLOADS bytes (default "64 8192"), WINDOW messages in flight per pair (default 32),
# DURATION seconds (default 10), WARMUP seconds (default 3).
set -euo pipefail
cd "$(dirname "$0")/../.."
source switchboard-bench/scripts/lib.sh
if [ $# -gt 0 ]; then pairs=("$@"); else pairs=(1 10 50); fi
read -r -a payloads <<<"${PAYLOADS:-64 8192}"
window=${WINDOW:-32}
duration=${DURATION:-10}
warmup=${WARMUP:-3}
logs=$(mktemp -d "${TMPDIR:-/tmp}/compare-relay.XXXXXX")
sb_pid=
nats_pid=
trap 'kill $sb_pid $nats_pid 2>/dev/null || true' EXIT

taskset -c 0 java -Xms512m -Xmx512m -jar switchboard-server/target/switchboard.jar --port 0 > "$logs/switchboard.log" 2>&1 &
sb_pid=$!
sb_port=$(switchboard_port "$logs/switchboard.log" "$sb_pid" compare-relay)

for _ in $(seq 20); do
  nats_port=$((20000 + RANDOM % 40000))
  taskset -c 0 nats-server -a 127.0.0.1 -p "$nats_port" > "$logs/nats.log" 2>&1 &
  nats_pid=$!
  wait_for_log "$logs/nats.log" 'Server is ready' "$nats_pid" && break
  kill "$nats_pid" 2>/dev/null || true
  nats_pid=
done
[ -n "$nats_pid" ] || { echo "compare-relay: nats-server did not start; see $logs/nats.log" >&2; exit 1; }
echo "Switchboard on 127.0.0.1:$sb_port, nats-server on 127.0.0.1:$nats_port; logs in $logs" >&2

# One run; prints "msgs/s MB/s p50_us p99_us", or fails the script with the run's report.
measure() {
  local out
  if ! out=$(taskset -c 1 java -jar switchboard-bench/target/switchboard-bench.jar relay --protocol "$1" \
      --server "127.0.0.1:$2" --pairs "$3" --payload-bytes "$4" --window "$window" --warmup "$warmup" --duration "$duration"); then
    echo "compare-relay: the $1 run failed:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk '/^messages\/s:/{m=$2} /^bytes\/s:/{b=$2} /^p50_us:/{p50=$2} /^p99_us:/{p99=$2}
       END{printf "%s %.1f %s %s\n", m, b/1e6, p50, p99}' <<<"$out"
}

printf '%-7s %-5s | %10s %8s %9s %9s | %10s %8s %9s %9s | %6s\n' payload pairs \
  sb_msgs/s sb_MB/s sb_p50_us sb_p99_us nats_msgs/s nats_MB/s nats_p50 nats_p99 sb/nats
for size in "${payloads[@]}"; do
  for p in "${pairs[@]}"; do
    sb_row=$(measure ws "$sb_port" "$p" "$size")
    nats_row=$(measure nats "$nats_port" "$p" "$size")
    read -r sm sb s50 s99 <<<"$sb_row"
    read -r nm nb n50 n99 <<<"$nats_row"
    printf '%-7s %-5s | %10s %8s %9s %9s | %10s %8s %9s %9s | %6s\n' "$size" "$p" \
      "$sm" "$sb" "$s50" "$s99" "$nm" "$nb" "$n50" "$n99" "$(awk -v a="$sm" -v b="$nm" 'BEGIN{printf "%.2f", (b > 0 ? a / b : 0)}')"
  done
done
