#!/usr/bin/env bash
# Runs the lock benchmark against Switchboard (dflockd and native protocols) and against Redis
# (SET NX PX + compare-and-delete) side by side, with the server pinned to CPU 0 and the load
# generator to CPU 1. Needs the built jars (mvn -DskipTests package) and redis-server.
# Usage: switchboard-bench/scripts/compare-locks.sh [workers...]   (default: 1 10 50 100)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ $# -gt 0 ]; then workers=("$@"); else workers=(1 10 50 100); fi
rounds=${ROUNDS:-2000}
sb_port=16400
redis_port=16401
pin_server="taskset -c 0"
pin_client="taskset -c 1"

$pin_server java -Xms512m -Xmx512m -jar switchboard-server/target/switchboard.jar --port $sb_port --max-locks 0 \
  > /tmp/compare-locks-switchboard.log 2>&1 &
sb_pid=$!
$pin_server redis-server --port $redis_port --bind 127.0.0.1 --save '' --appendonly no > /tmp/compare-locks-redis.log 2>&1 &
redis_pid=$!
trap 'kill $sb_pid $redis_pid 2>/dev/null || true' EXIT
sleep 3

bench() {
  $pin_client java -jar switchboard-bench/target/switchboard-bench.jar locks --protocol "$1" \
    --servers "127.0.0.1:$2" --workers "$3" --rounds "$rounds" --warmup 200 --key "cmp-$1-$3" ${4:-} --duration-limit 120
}

printf '%-8s %-7s %-8s %10s %9s %9s %9s %9s\n' protocol keys workers ops/s mean_ms p50_ms p99_ms max_ms
for w in "${workers[@]}"; do
  for proto in dflockd json redis; do
    port=$sb_port; [ "$proto" = redis ] && port=$redis_port
    out=$(bench "$proto" "$port" "$w")
    printf '%-8s %-7s %-8s %10s %9s %9s %9s %9s\n' "$proto" unique "$w" \
      "$(awk '/^ops\/s:/{print $2}' <<<"$out")" "$(awk '/^mean:/{print $2}' <<<"$out")" \
      "$(awk '/^p50:/{print $2}' <<<"$out")" "$(awk '/^p99:/{print $2}' <<<"$out")" "$(awk '/^max:/{print $2}' <<<"$out")"
  done
done
for proto in dflockd json; do
  out=$(bench "$proto" "$sb_port" 10 --shared-key)
  printf '%-8s %-7s %-8s %10s %9s %9s %9s %9s\n' "$proto" shared 10 \
    "$(awk '/^ops\/s:/{print $2}' <<<"$out")" "$(awk '/^mean:/{print $2}' <<<"$out")" \
    "$(awk '/^p50:/{print $2}' <<<"$out")" "$(awk '/^p99:/{print $2}' <<<"$out")" "$(awk '/^max:/{print $2}' <<<"$out")"
done
