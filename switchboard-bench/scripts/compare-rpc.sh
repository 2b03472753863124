#!/usr/bin/env bash
# Request/reply round trips through a queue group of backends, Switchboard (native rpc.call to
# backends that rpc.serve) beside nats-server (request/reply to a queue group), in one run: each
# server pinned to CPU 0, the load generator to CPU 1. Needs the built jars (mvn -DskipTests
# package) and nats-server.
# Usage: switchboard-bench/scripts/compare-rpc.sh [callers...]   (default: 1 10 50)
# RESPONDERS (default 2), DURATION seconds (default 10), WARMUP seconds (default 5).
set -euo pipefail
cd "$(dirname "$0")/../.."
source switchboard-bench/scripts/lib.sh
if [ $# -gt 0 ]; then callers=("$@"); else callers=(1 10 50); fi
responders=${RESPONDERS:-2}
duration=${DURATION:-10}
warmup=${WARMUP:-5}
logs=$(mktemp -d "${TMPDIR:-/tmp}/compare-rpc.XXXXXX")
sb_pid=
nats_pid=
trap 'kill $sb_pid $nats_pid 2>/dev/null || true' EXIT

taskset -c 0 java -Xms512m -Xmx512m -jar switchboard-server/target/switchboard.jar --port 0 > "$logs/switchboard.log" 2>&1 &
sb_pid=$!
sb_port=$(switchboard_port "$logs/switchboard.log" "$sb_pid" compare-rpc)

pin_server="taskset -c 0"
read -r nats_pid nats_port < <(start_peer nats 'Server is ready' nats-server -a 127.0.0.1 -p PORT) || {
  echo "compare-rpc: nats-server did not start; see $logs/nats.log" >&2; exit 1; }
echo "Switchboard on 127.0.0.1:$sb_port, nats-server on 127.0.0.1:$nats_port; logs in $logs" >&2

printf '%-8s %-8s %-10s %12s %9s %9s %9s\n' protocol callers responders calls/s p50_ms p99_ms max_ms
for c in "${callers[@]}"; do
  for proto in json nats; do
    port=$sb_port; [ "$proto" = nats ] && port=$nats_port
    out=$(taskset -c 1 java -jar switchboard-bench/target/switchboard-bench.jar rpc --protocol "$proto" \
      --server "127.0.0.1:$port" --callers "$c" --responders "$responders" --warmup "$warmup" --duration "$duration")
    printf '%-8s %-8s %-10s %12s %9s %9s %9s\n' "$proto" "$c" "$responders" \
      "$(awk '/^calls\/s:/{print $2}' <<<"$out")" "$(awk '/^p50:/{print $2}' <<<"$out")" \
      "$(awk '/^p99:/{print $2}' <<<"$out")" "$(awk '/^max:/{print $2}' <<<"$out")"
  done
done
