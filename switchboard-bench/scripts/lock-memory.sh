#!/usr/bin/env bash
# Starts Switchboard (pinned to CPU 0, heap 512 MiB with a 32 MiB young generation, --max-locks 0)
# and runs `lock-memory` against it: N locks held on unique keys over the dflockd protocol, heap
# and RSS per lock. The small young generation keeps the garbage of the requests themselves from
# touching (and so making resident) a large eden, which would show in RSS as a cost per lock.
# Needs the built jars (mvn -DskipTests package) and a JDK's jcmd.
# Usage: switchboard-bench/scripts/lock-memory.sh [locks]   (default: 100000)
# SERVER_JAR runs another build of the server (to compare before and after a change).
set -euo pipefail
cd "$(dirname "$0")/../.."
source switchboard-bench/scripts/lib.sh
locks=${1:-100000}
server_jar=${SERVER_JAR:-switchboard-server/target/switchboard.jar}
log=$(mktemp "${TMPDIR:-/tmp}/lock-memory.XXXXXX.log")
sb_pid=
trap 'kill $sb_pid 2>/dev/null || true' EXIT

taskset -c 0 java -Xms512m -Xmx512m -Xmn32m -jar "$server_jar" --port 0 --max-locks 0 > "$log" 2>&1 &
sb_pid=$!
port=$(switchboard_port "$log" "$sb_pid" lock-memory)
taskset -c 1 java -jar switchboard-bench/target/switchboard-bench.jar lock-memory \
  --server "127.0.0.1:$port" --pid "$sb_pid" --locks "$locks"
