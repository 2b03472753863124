#!/usr/bin/env bash
# Direct messages between pairs of peers, Switchboard over WebSocket in both framings (binary
# envelopes, each relay.send answered by a reply; compact relay frames, no answer to a send) beside
# nats-server (core NATS, each peer subscribed to its own subject, its partner publishing there),
# in one run, the three measured one after another for each row: each server pinned to CPU 0, the
# load generator to CPU 1. Needs the built jars (mvn -DskipTests package) and nats-server.
# Usage: switchboard-bench/scripts/compare-relay.sh [pairs...]   (default: 1 10 50)
# PAYLOADS bytes (default "64 8192"), WINDOW messages in flight per pair (default 32),
# DURATION seconds (default 10), WARMUP seconds (default 3); SB_JAR another Switchboard jar (default
# the built one), SB_JAVA_OPTS more JVM options for it (a profiler, say).
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

# The per-peer rate bounds (10000 messages, 64 MiB a second by default) are raised far past what a
# pair reaches, so that they are still checked but the relay path, not a policy, is measured: core
# NATS has no such bound on a publisher.
# shellcheck disable=SC2086 # SB_JAVA_OPTS is a list of options
taskset -c 0 java -Xms512m -Xmx512m ${SB_JAVA_OPTS:-} -jar "${SB_JAR:-switchboard-server/target/switchboard.jar}" --port 0 \
  --relay-max-messages-per-second 1000000000 --relay-max-bytes-per-second 1000000000000 > "$logs/switchboard.log" 2>&1 &
sb_pid=$!
sb_port=$(switchboard_port "$logs/switchboard.log" "$sb_pid" compare-relay)

pin_server="taskset -c 0"
read -r nats_pid nats_port < <(start_peer nats 'Server is ready' nats-server -a 127.0.0.1 -p PORT) || {
  echo "compare-relay: nats-server did not start; see $logs/nats.log" >&2; exit 1; }
echo "Switchboard on 127.0.0.1:$sb_port, nats-server on 127.0.0.1:$nats_port; logs in $logs" >&2

# One run: measure <protocol> <framing> <port> <pairs> <bytes>; prints "msgs/s MB/s p50_us p99_us",
# or fails the script with the run's report.
measure() {
  local out
  if ! out=$(taskset -c 1 java -jar switchboard-bench/target/switchboard-bench.jar relay --protocol "$1" --framing "$2" \
      --server "127.0.0.1:$3" --pairs "$4" --payload-bytes "$5" --window "$window" --warmup "$warmup" --duration "$duration"); then
    echo "compare-relay: the $1 ($2) run failed:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk '/^messages\/s:/{m=$2} /^bytes\/s:/{b=$2} /^p50_us:/{p50=$2} /^p99_us:/{p99=$2}
       END{printf "%s %.1f %s %s\n", m, b/1e6, p50, p99}' <<<"$out"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", (b > 0 ? a / b : 0)}'; }
row='%-7s %-5s | %10s %9s %9s | %10s %9s %9s | %10s %9s %9s | %7s %7s\n'
printf "$row" payload pairs env_msgs/s env_p50 env_p99 cmp_msgs/s cmp_p50 cmp_p99 nats_msgs/s nats_p50 nats_p99 env/nats cmp/nats
for size in "${payloads[@]}"; do
  for p in "${pairs[@]}"; do
    # measure fails in a subshell: each result is kept first, so that a failed run ends the script.
    env_row=$(measure ws envelope "$sb_port" "$p" "$size")
    cmp_row=$(measure ws compact "$sb_port" "$p" "$size")
    nats_row=$(measure nats compact "$nats_port" "$p" "$size")
    read -r em _ e50 e99 <<<"$env_row"
    read -r cm _ c50 c99 <<<"$cmp_row"
    read -r nm _ n50 n99 <<<"$nats_row"
    printf "$row" "$size" "$p" "$em" "$e50" "$e99" "$cm" "$c50" "$c99" "$nm" "$n50" "$n99" "$(ratio "$em" "$nm")" "$(ratio "$cm" "$nm")"
  done
done
