#!/usr/bin/env bash
# Runs the lock benchmark against Switchboard (dflockd and native protocols) and against Redis
# (SET NX PX + compare-and-delete) side by side, with the server pinned to CPU 0 and the load
# generator to CPU 1. Needs the built jars (mvn -DskipTests package) and redis-server.
# Usage: switchboard-bench/scripts/compare-locks.sh [workers...]   (default: 1 10 50 100)
# Each server gets a free loopback port, so the script can run beside other servers and other
# runs of itself; SB_PORT and REDIS_PORT choose fixed ones instead. ROUNDS sets the measured
# rounds per worker, WARMUP the unmeasured ones before them (each run is a fresh client JVM, so
# this is also what its JIT gets to compile the client's path before the clock starts),
# WARMUP_SECONDS how long every run keeps warming up at least (default 10), and
# WARMUP_MAX_SECONDS how long it may go on warming up while the JIT compiler is still busy
# (default 40; the same rule for every protocol). The native client has far more code for the
# JIT to compile than a blocking socket, and on one CPU the compiler competes with the workers:
# after a fixed 10 s, C2 still took 12-19% of the client's CPU in the measured part of a
# 50-worker run. Each row's warm-up, and the compiling left while measured, are in the logs.
# ROUNDS unset: 2000 per worker, and at least 20000 in all (so 20000 at 1 worker, 2000 at 10):
# a run of a fraction of a second is dominated by the client JVM's switch from warm-up to the
# measured part (its full collection, late compiles), which a blocking socket's short path hides.
# Protocols: dflockd (blocking sockets), json (the Java client's blocking calls, each worker's
# client on its own event loop, which a worker blocked in a call drives itself), json-shared (the
# same blocking calls with every client on one shared I/O group), json-async (the Java client's
# async calls, each worker a chain of continuations on the shared I/O threads), redis.
set -euo pipefail
cd "$(dirname "$0")/../.."
source switchboard-bench/scripts/lib.sh
if [ $# -gt 0 ]; then workers=("$@"); else workers=(1 10 50 100); fi
rounds_for() { if [ -n "${ROUNDS:-}" ]; then echo "$ROUNDS"; else echo $(( 20000 / $1 > 2000 ? 20000 / $1 : 2000 )); fi; }
warmup=${WARMUP:-200}
warmup_seconds=${WARMUP_SECONDS:-10}
warmup_max_seconds=${WARMUP_MAX_SECONDS:-40}
pin_server="taskset -c 0"
pin_client="taskset -c 1"
logs=$(mktemp -d "${TMPDIR:-/tmp}/compare-locks.XXXXXX")
sb_pid=
redis_pid=
trap 'kill $sb_pid $redis_pid 2>/dev/null || true' EXIT


# Switchboard binds the port it is given, 0 meaning any free one, and logs the one it got.
$pin_server java -Xms512m -Xmx512m -jar switchboard-server/target/switchboard.jar --port "${SB_PORT:-0}" --max-locks 0 \
  > "$logs/switchboard.log" 2>&1 &
sb_pid=$!
sb_port=$(switchboard_port "$logs/switchboard.log" "$sb_pid" compare-locks)

# redis-server has no "any free port" setting: try random high ports until one binds
# (redis-server exits at once when its port is taken).
for _ in $(seq 20); do
  redis_port=${REDIS_PORT:-$((20000 + RANDOM % 40000))}
  $pin_server redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    > "$logs/redis.log" 2>&1 &
  redis_pid=$!
  wait_for_log "$logs/redis.log" 'Ready to accept connections' "$redis_pid" && break
  kill "$redis_pid" 2>/dev/null || true
  redis_pid=
  [ -n "${REDIS_PORT:-}" ] && break
done
if [ -z "$redis_pid" ]; then
  echo "compare-locks: redis-server did not start; see $logs/redis.log" >&2
  exit 1
fi
echo "Switchboard on 127.0.0.1:$sb_port, redis-server on 127.0.0.1:$redis_port; logs in $logs" >&2

bench() {
  local proto=$1 extra=${4:-}
  [ "$proto" = json-shared ] && proto=json && extra="$extra --client-loop shared"
  $pin_client java -jar switchboard-bench/target/switchboard-bench.jar locks --protocol "$proto" \
    --servers "127.0.0.1:$2" --workers "$3" --rounds "$(rounds_for "$3")" --warmup "$warmup" --warmup-seconds "$warmup_seconds" --warmup-max-seconds "$warmup_max_seconds" --key "cmp-$1-$3" $extra --duration-limit 120
}

# One row of the table; the whole output of each run (its warm-up line among it) goes to the logs.
row() {
  local proto=$1 keys=$2 w=$3 out=$4
  printf '%s\n' "$out" > "$logs/$proto-$keys-$w.out"
  printf '%-11s %-7s %-8s %10s %9s %9s %9s %9s %8s\n' "$proto" "$keys" "$w" \
    "$(awk '/^ops\/s:/{print $2}' <<<"$out")" "$(awk '/^mean:/{print $2}' <<<"$out")" \
    "$(awk '/^p50:/{print $2}' <<<"$out")" "$(awk '/^p99:/{print $2}' <<<"$out")" "$(awk '/^max:/{print $2}' <<<"$out")" \
    "$(awk '/^client cpu:/{print $3}' <<<"$out")"
}

# cpu_us: the load generator's CPU per cycle (user + system, all its threads) over the measured
# part. The load generator has one CPU, so where it is full this is what sets the row's ops/s.
printf '%-11s %-7s %-8s %10s %9s %9s %9s %9s %8s\n' protocol keys workers ops/s mean_ms p50_ms p99_ms max_ms cpu_us
for w in "${workers[@]}"; do
  for proto in ${PROTOCOLS:-dflockd json json-shared json-async redis}; do
    port=$sb_port; [ "$proto" = redis ] && port=$redis_port
    row "$proto" unique "$w" "$(bench "$proto" "$port" "$w")"
  done
done
for proto in dflockd json json-async; do
  case " ${PROTOCOLS:-dflockd json json-async} " in *" $proto "*) ;; *) continue ;; esac
  row "$proto" shared 10 "$(bench "$proto" "$sb_port" 10 --shared-key)"
done
