#!/usr/bin/env bash
# The contended hand-off: workers contending for ONE key through the dflockd line protocol, each
# grant timed from the previous holder sending its release to the grant arriving. Server pinned to
# CPU 0 (heap 512 MiB, GC and safepoint logs kept), load generator to CPU 1. Needs the built jars.
# Usage: switchboard-bench/scripts/handoff.sh [workers...]   (default: 10 50)
# Client GC and safepoint logs go to client-gc-<workers>.log (client-gc-warmup.log) beside them.
# Before the measured runs, one unmeasured run (50 workers, 2000 rounds) warms the server up: on
# one core, the server's JIT compiling its hot path competes with it for the CPU and puts
# milliseconds into the first ~50k hand-offs; COLD=1 skips it.
# ROUNDS (default 2000) and WARMUP (default 2000: a fresh client JVM per run compiles its own
# path on its one core during the first rounds, which shows as ms-long hand-offs) are per worker; SERVER_OPTS adds JVM options;
# SERVER_JAR picks another build of the server (to compare with an older commit). The client gets
# a 768 MiB young generation, so that its own collections (10-30 ms on a shared core) stay out of
# the measured part; the server runs with compare-locks.sh's settings (heap 512 MiB).
set -euo pipefail
cd "$(dirname "$0")/../.."
source switchboard-bench/scripts/lib.sh
if [ $# -gt 0 ]; then workers=("$@"); else workers=(10 50); fi
rounds=${ROUNDS:-2000}
warmup=${WARMUP:-2000}
logs=$(mktemp -d "${TMPDIR:-/tmp}/handoff.XXXXXX")
sb_pid=
trap 'kill $sb_pid 2>/dev/null || true' EXIT

# shellcheck disable=SC2086
taskset -c 0 java -Xms512m -Xmx512m ${SERVER_OPTS:-} \
  "-Xlog:gc,safepoint:file=$logs/gc.log:uptime,level" \
  -jar "${SERVER_JAR:-switchboard-server/target/switchboard.jar}" --port 0 --max-locks 0 > "$logs/switchboard.log" 2>&1 &
sb_pid=$!
port=$(switchboard_port "$logs/switchboard.log" "$sb_pid" handoff)
echo "Switchboard on 127.0.0.1:$port; logs (gc.log has GC and safepoints) in $logs" >&2

run() {
  taskset -c 1 java -Xms1g -Xmn768m "-Xlog:gc,safepoint:file=$logs/client-gc-$3.log:uptime,level" -jar switchboard-bench/target/switchboard-bench.jar \
    locks --protocol dflockd --servers "127.0.0.1:$port" --workers "$1" --rounds "$2" --warmup "$warmup" --key "handoff-$1" \
    --handoff --duration-limit 120
}
[ "${COLD:-0}" = 1 ] || run 50 2000 warmup > "$logs/server-warmup.txt"

printf '%-8s %9s %9s %9s %9s %10s %10s %10s %10s\n' workers ops/s cyc_p50 cyc_p99 cyc_max ho_p50 ho_p99 ho_p99.9 ho_max
for w in "${workers[@]}"; do
  out=$(run "$w" "$rounds" "$w")
  f() { awk -v k="$1" 'index($0, k) == 1 {print $(NF-1)}' <<<"$out"; }
  printf '%-8s %9s %9s %9s %9s %10s %10s %10s %10s\n' "$w" "$(awk '/^ops\/s:/{print $2}' <<<"$out")" \
    "$(f 'p50:')" "$(f 'p99:')" "$(f 'max:')" "$(f 'handoff p50:')" "$(f 'handoff p99:')" \
    "$(f 'handoff p99.9:')" "$(f 'handoff max:')"
done
