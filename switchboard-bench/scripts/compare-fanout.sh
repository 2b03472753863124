#!/usr/bin/env bash
# Runs the fan-out benchmark against Switchboard (dflockd lines, native JSON lines over TCP and
# WebSocket), nats-server and Redis pub/sub side by side: each server pinned to CPU 0, the load
# generator to CPU 1. One publisher pipelines 64-byte messages on one channel; N subscribers listen.
# Needs the built jars (mvn -DskipTests package), nats-server and redis-server.
# Usage: switchboard-bench/scripts/compare-fanout.sh [subscribers...]   (default: 100 1000)
# Each server gets a free loopback port; DURATION (measured seconds, default 8), WARMUP (default 2),
# PROTOCOLS (default "dflockd json topic ws nats redis"), SB_JAR (another build of the server) and SB_WARMUP
# (seconds of the unrecorded pass that warms Switchboard's JIT per protocol, default 5) change the run.
# SB_SESSION_GRACE (default 0) is Switchboard's --session-grace: with 0 a native session ends with
# its connection, so the thousands of sessions of one pass (each with a full replay buffer) are gone
# before the next pass starts instead of waiting out the default 30 s beside it.
set -euo pipefail
cd "$(dirname "$0")/../.."
source switchboard-bench/scripts/lib.sh
if [ $# -gt 0 ]; then counts=("$@"); else counts=(100 1000); fi
duration=${DURATION:-8}
warmup=${WARMUP:-2}
read -r -a protocols <<<"${PROTOCOLS:-dflockd json topic ws nats redis}"
pin_server="taskset -c 0"
pin_client="taskset -c 1"
logs=$(mktemp -d "${TMPDIR:-/tmp}/compare-fanout.XXXXXX")
sb_pid=
nats_pid=
redis_pid=
trap 'kill $sb_pid $nats_pid $redis_pid 2>/dev/null || true' EXIT


# Switchboard binds the port it is given, 0 meaning any free one, and logs the one it got.
$pin_server java -Xms512m -Xmx512m ${SB_JAVA_OPTS:-} -jar "${SB_JAR:-switchboard-server/target/switchboard.jar}" --port 0 \
  --session-grace "${SB_SESSION_GRACE:-0}" \
  > "$logs/switchboard.log" 2>&1 &
sb_pid=$!
sb_port=$(switchboard_port "$logs/switchboard.log" "$sb_pid" compare-fanout)

read -r nats_pid nats_port < <(start_peer nats 'Server is ready' nats-server -a 127.0.0.1 -p PORT) || {
  echo "compare-fanout: nats-server did not start; see $logs/nats.log" >&2; exit 1; }
read -r redis_pid redis_port < <(start_peer redis 'Ready to accept connections' \
  redis-server --port PORT --bind 127.0.0.1 --save '' --appendonly no) || {
  echo "compare-fanout: redis-server did not start; see $logs/redis.log" >&2; exit 1; }
echo "Switchboard on 127.0.0.1:$sb_port, nats-server on :$nats_port, redis-server on :$redis_port; logs in $logs" >&2

printf '%-8s %-11s %13s %10s %9s %9s %9s\n' server subscribers deliveries/s msgs/s p50_us p99_us errors
for n in "${counts[@]}"; do
  # The JVM compiles its hot paths in the first seconds: an unrecorded pass over each Switchboard
  # protocol first, at this many subscribers, so that the recorded runs meet a warm server, as
  # they do the native peers.
  for proto in "${protocols[@]}"; do
    case $proto in nats|redis) continue ;; esac
    $pin_client java -jar switchboard-bench/target/switchboard-bench.jar fanout --protocol "$proto" \
      --server "127.0.0.1:$sb_port" --subscribers "$n" --warmup 0 --duration "${SB_WARMUP:-5}" \
      --channel "warm-$proto-$n" > "$logs/warmup-$proto-$n.txt" 2>&1 || true
  done
  for proto in "${protocols[@]}"; do
    case $proto in nats) port=$nats_port ;; redis) port=$redis_port ;; *) port=$sb_port ;; esac
    out=$($pin_client java -jar switchboard-bench/target/switchboard-bench.jar fanout --protocol "$proto" \
      --server "127.0.0.1:$port" --subscribers "$n" --warmup "$warmup" --duration "$duration" \
      --channel "fan-$proto-$n" 2>&1) || true
    printf '%-8s %-11s %13s %10s %9s %9s %9s\n' "$proto" "$n" \
      "$(awk '/^deliveries\/s:/{print $2}' <<<"$out")" "$(awk '/^messages\/s:/{print $2}' <<<"$out")" \
      "$(awk '/^p50_us:/{print $2}' <<<"$out")" "$(awk '/^p99_us:/{print $2}' <<<"$out")" \
      "$(awk '/^errors:/{print $2}' <<<"$out")"
    grep -E '^first error:' <<<"$out" >&2 || true
  done
done
