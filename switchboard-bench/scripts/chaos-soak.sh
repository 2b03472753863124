#!/usr/bin/env bash
# Runs the chaos soak against a Switchboard started here with short grace periods, so that what cut
# clients leave behind runs out soon after the clients stop. Needs the built jars
# (mvn -DskipTests package). Server pinned to CPU 0, load to CPU 1, as compare-locks.sh does.
# Usage: switchboard-bench/scripts/chaos-soak.sh [chaos options...]   e.g. --duration 600 --seed 7
set -euo pipefail
cd "$(dirname "$0")/../.."
source switchboard-bench/scripts/lib.sh
logs=$(mktemp -d "${TMPDIR:-/tmp}/chaos-soak.XXXXXX")
sb_pid=
trap 'kill $sb_pid 2>/dev/null || true' EXIT

taskset -c 0 java -Xms256m -Xmx512m -jar switchboard-server/target/switchboard.jar --port "${SB_PORT:-0}" \
  --session-grace 3 --http-session-idle-timeout 2 --lease-sweep-interval 1 --gc-interval 1 --gc-max-idle 1 \
  > "$logs/switchboard.log" 2>&1 &
sb_pid=$!
port=$(switchboard_port "$logs/switchboard.log" "$sb_pid" chaos-soak)
echo "server log: $logs/switchboard.log"
# Settle: 3 s grace, 2 x 2 s HTTP idle, 1 s gc: 30 s is plenty.
taskset -c 1 java -Xmx1g -jar switchboard-bench/target/switchboard-bench.jar chaos --server "127.0.0.1:$port" \
  --settle-timeout 30 "$@"
