#!/usr/bin/env bash
# One Switchboard node against a three-node Switchboard cluster (on one nats-server and one etcd),
# beside etcd's own lock API driven directly, in one run: every server (the single node, the three
# cluster nodes, nats-server, etcd) pinned to CPU 0, the load generator to CPU 1. Three parts:
#  1. the lock cycle (dflockd lock + unlock; etcd: Lock + Unlock RPCs, a lease per worker), on
#     unique keys and on one shared key: through the single node; through one cluster node; with
#     the workers spread over the three cluster nodes; and through etcd directly;
#  2. request/reply (native rpc.call to backends that rpc.serve): on the single node; caller and
#     backends on cluster node 1; caller on node 1, backends on node 2 (every call crosses nodes);
#  3. relay (WebSocket, compact relay frames): the same three placements, sender and receiver.
# Needs the built jars (mvn -DskipTests package), nats-server, etcd (package etcd-server) and curl.
# Usage: switchboard-bench/scripts/compare-cluster.sh
# WORKERS lock workers (default "1 10 50"; the shared key is measured for those above 1), OPS lock
# cycles measured per run, split over its workers (default 300; a run stops at LOCK_LIMIT seconds,
# default 20, warm-up included), LOCK_WARMUP_SECONDS (default 2),
# CALLERS (default "1 10 50"), RESPONDERS (default 2), PAIRS (default "1 10 50"), PAYLOAD bytes per
# relay message (default 64), WINDOW relay messages in flight per pair (default 32), DURATION measured
# seconds of each rpc and relay run (default 3), WARMUP their unmeasured seconds (default 2).
# Every server gets free loopback ports; everything the script starts is stopped when it exits.
set -euo pipefail
cd "$(dirname "$0")/../.."
source switchboard-bench/scripts/lib.sh
read -r -a workers <<<"${WORKERS:-1 10 50}"
read -r -a callers <<<"${CALLERS:-1 10 50}"
read -r -a pairs <<<"${PAIRS:-1 10 50}"
ops=${OPS:-300}
lock_warmup_seconds=${LOCK_WARMUP_SECONDS:-2}
lock_limit=${LOCK_LIMIT:-20}
responders=${RESPONDERS:-2}
payload=${PAYLOAD:-64}
window=${WINDOW:-32}
duration=${DURATION:-3}
warmup=${WARMUP:-2}
pin_server="taskset -c 0"
pin_client="taskset -c 1"
logs=$(mktemp -d "${TMPDIR:-/tmp}/compare-cluster.XXXXXX")
node_pids=()
sb_pid=
etcd_pid=
nats_pid=

stop_all() {
  # The nodes first (they use etcd and NATS until they exit), then etcd and nats-server.
  local pid
  for pid in "${node_pids[@]}" $sb_pid; do kill "$pid" 2>/dev/null || true; done
  for pid in "${node_pids[@]}" $sb_pid; do wait "$pid" 2>/dev/null || true; done
  for pid in $etcd_pid $nats_pid; do kill "$pid" 2>/dev/null || true; done
  for pid in $etcd_pid $nats_pid; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

# etcd needs two ports (clients, peers) and has no "any free port" setting: try random pairs until
# one binds (etcd exits at once when a port is taken). Sets etcd_pid and etcd_port.
start_etcd() {
  local port
  for _ in $(seq 20); do
    port=$((20000 + RANDOM % 40000))
    $pin_server etcd --name cbench --data-dir "$logs/etcd" \
      --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
      --listen-peer-urls "http://127.0.0.1:$((port + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((port + 1))" \
      --initial-cluster "cbench=http://127.0.0.1:$((port + 1))" --log-level warn > "$logs/etcd.log" 2>&1 &
    etcd_pid=$!
    for _ in $(seq 100); do
      if curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1; then etcd_port=$port; return 0; fi
      kill -0 "$etcd_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$etcd_pid" 2>/dev/null || true
    wait "$etcd_pid" 2>/dev/null || true
    etcd_pid=
    rm -rf "$logs/etcd"
  done
  return 1
}

# Waits (60 s at most) until the cluster node on $1 answers /ready with 200.
await_ready() {
  for _ in $(seq 600); do
    curl -fs "http://127.0.0.1:$1/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# The relay's per-peer rate bounds are raised past what a pair reaches (as in compare-relay.sh), and
# --max-locks 0 lifts the lock count bound (as in compare-locks.sh): the paths, not policies, are measured.
sb_options=(--max-locks 0 --relay-max-messages-per-second 1000000000 --relay-max-bytes-per-second 1000000000000)

read -r nats_pid nats_port < <(start_peer nats 'Server is ready' nats-server -a 127.0.0.1 -p PORT -js -sd "$logs/nats") || {
  echo "compare-cluster: nats-server did not start; see $logs/nats.log" >&2; exit 1; }
start_etcd || { echo "compare-cluster: etcd did not start; see $logs/etcd.log" >&2; exit 1; }

$pin_server java -Xms512m -Xmx512m -jar switchboard-server/target/switchboard.jar --port 0 "${sb_options[@]}" \
  > "$logs/single.log" 2>&1 &
sb_pid=$!
sb_port=$(switchboard_port "$logs/single.log" "$sb_pid" compare-cluster)

# One node after the other: three JVMs starting at once on the one server CPU are slow enough to
# miss the cluster engines' start-up deadlines on a loaded machine.
node_ports=()
for n in 1 2 3; do
  $pin_server java -Xms512m -Xmx512m -jar switchboard-server/target/switchboard.jar --port 0 --node-id "cbench-$n" \
    --cluster-nats "nats://127.0.0.1:$nats_port" --cluster-etcd "http://127.0.0.1:$etcd_port" --data-dir "$logs/node-$n" \
    "${sb_options[@]}" > "$logs/node-$n.log" 2>&1 &
  node_pids+=($!)
  node_ports+=("$(switchboard_port "$logs/node-$n.log" "$!" compare-cluster)")
  await_ready "${node_ports[$((n - 1))]}" || { echo "compare-cluster: node $n is not ready; see $logs/node-$n.log" >&2; exit 1; }
done
echo "single node on 127.0.0.1:$sb_port; cluster nodes on ${node_ports[*]} (nats-server 127.0.0.1:$nats_port," \
  "etcd 127.0.0.1:$etcd_port); logs in $logs" >&2

bench=(java -jar switchboard-bench/target/switchboard-bench.jar)
cluster_all="127.0.0.1:${node_ports[0]},127.0.0.1:${node_ports[1]},127.0.0.1:${node_ports[2]}"

# Runs one bench command; prints its report, or, when it failed, "failed" (and the report on stderr)
# so that the other figures of the run are still measured. The bench's own log lines (jetcd's start-up)
# go to a file, out of the table.
run_bench() {
  local out
  if out=$($pin_client "${bench[@]}" "$@" 2>>"$logs/bench-stderr.log"); then
    echo "$out"
  else
    echo "compare-cluster: failed: $*" >&2
    echo "$out" >&2
    echo failed
  fi
}

# The value after "<label>:" in a report, or "-" (a failed run).
field() { awk -v l="$1:" '$1 == l {print $2; found=1} END {if (!found) print "-"}' <<<"$2"; }

# One lock run: <protocol> <servers> <workers> <key> [options...]; prints "ops/s p50_ms p99_ms".
lock_run() {
  local proto=$1 servers=$2 w=$3 key=$4 out
  shift 4
  local rounds=$(( ops / w > 10 ? ops / w : 10 ))
  out=$(run_bench locks --protocol "$proto" --servers "$servers" --workers "$w" --rounds "$rounds" --warmup 20 \
    --warmup-seconds "$lock_warmup_seconds" --key "$key" --duration-limit "$lock_limit" "$@")
  echo "$(field ops/s "$out") $(field p50 "$out") $(field p99 "$out")"
}

echo "== lock cycle (acquire + release; ops/s, p50 and p99 in ms) =="
row='%-7s %-7s | %9s %7s %7s | %9s %7s %7s | %9s %7s %7s | %9s %7s %7s\n'
printf "$row" keys workers single p50 p99 cl-one p50 p99 cl-spread p50 p99 etcd p50 p99
lock_row() { # <unique|shared> <workers>
  local kind=$1 w=$2 extra=() tag
  [ "$kind" = shared ] && extra=(--shared-key)
  tag="$kind-$w-$RANDOM"
  read -r s_ops s50 s99 < <(lock_run dflockd "127.0.0.1:$sb_port" "$w" "single-$tag" "${extra[@]}")
  read -r o_ops o50 o99 < <(lock_run dflockd "127.0.0.1:${node_ports[0]}" "$w" "one-$tag" "${extra[@]}")
  read -r a_ops a50 a99 < <(lock_run dflockd "$cluster_all" "$w" "spread-$tag" --spread "${extra[@]}")
  read -r e_ops e50 e99 < <(lock_run etcd "127.0.0.1:$etcd_port" "$w" "etcd-$tag" "${extra[@]}")
  printf "$row" "$kind" "$w" "$s_ops" "$s50" "$s99" "$o_ops" "$o50" "$o99" "$a_ops" "$a50" "$a99" "$e_ops" "$e50" "$e99"
}
for w in "${workers[@]}"; do lock_row unique "$w"; done
for w in "${workers[@]}"; do if [ "$w" -gt 1 ]; then lock_row shared "$w"; fi; done

echo
echo "== request/reply ($responders backends in a queue group, ${payload}-byte payloads; calls/s, p50 and p99 in ms) =="
row='%-8s | %9s %7s %7s | %9s %7s %7s | %9s %7s %7s\n'
printf "$row" callers single p50 p99 same-node p50 p99 cross p50 p99
rpc_run() { # <caller server> <backend server> <callers>; prints "calls/s p50 p99"
  local out
  out=$(run_bench rpc --protocol json --server "$1" --responder-server "$2" --callers "$3" --responders "$responders" \
    --payload-bytes "$payload" --warmup "$warmup" --duration "$duration")
  echo "$(field calls/s "$out") $(field p50 "$out") $(field p99 "$out")"
}
for c in "${callers[@]}"; do
  read -r s_c s50 s99 < <(rpc_run "127.0.0.1:$sb_port" "127.0.0.1:$sb_port" "$c")
  read -r l_c l50 l99 < <(rpc_run "127.0.0.1:${node_ports[0]}" "127.0.0.1:${node_ports[0]}" "$c")
  read -r x_c x50 x99 < <(rpc_run "127.0.0.1:${node_ports[0]}" "127.0.0.1:${node_ports[1]}" "$c")
  printf "$row" "$c" "$s_c" "$s50" "$s99" "$l_c" "$l50" "$l99" "$x_c" "$x50" "$x99"
done

echo
echo "== relay (WebSocket compact frames, ${payload}-byte messages, window $window; messages/s, p50 and p99 in us) =="
row='%-6s | %10s %8s %8s | %10s %8s %8s | %10s %8s %8s\n'
printf "$row" pairs single p50 p99 same-node p50 p99 cross p50 p99
relay_run() { # <sender server> <receiver server> <pairs>; prints "msgs/s p50 p99"
  local out
  out=$(run_bench relay --protocol ws --framing compact --server "$1" --receiver-server "$2" --pairs "$3" \
    --payload-bytes "$payload" --window "$window" --warmup "$warmup" --duration "$duration")
  echo "$(field messages/s "$out") $(field p50_us "$out") $(field p99_us "$out")"
}
for p in "${pairs[@]}"; do
  read -r s_m s50 s99 < <(relay_run "127.0.0.1:$sb_port" "127.0.0.1:$sb_port" "$p")
  read -r l_m l50 l99 < <(relay_run "127.0.0.1:${node_ports[0]}" "127.0.0.1:${node_ports[0]}" "$p")
  read -r x_m x50 x99 < <(relay_run "127.0.0.1:${node_ports[0]}" "127.0.0.1:${node_ports[1]}" "$p")
  printf "$row" "$p" "$s_m" "$s50" "$s99" "$l_m" "$l50" "$l99" "$x_m" "$x50" "$x99"
done
