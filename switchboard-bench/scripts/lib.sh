# Shared by the benchmark scripts (sourced, not run).

# Waits until $1 (a log file) has a line matching $2, or the process $3 has ended; 30 s at most.
wait_for_log() {
  for _ in $(seq 300); do
    grep -q -E "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# Prints the port of the Switchboard process $2 once its log $1 says where it listens; exits the
# script with a message naming $3 (the script) when it does not start. Switchboard binds the port
# it is given, 0 meaning any free one, and logs the one it got.
switchboard_port() {
  if ! wait_for_log "$1" 'listening on /127\.0\.0\.1:[0-9]+' "$2"; then
    echo "$3: Switchboard did not start; see $1" >&2
    exit 1
  fi
  grep -o -E 'listening on /127\.0\.0\.1:[0-9]+' "$1" | head -1 | sed 's/.*://'
}

# nats-server and redis-server have no "any free port" setting: try random high ports until one
# binds (both exit at once when their port is taken). Prints "pid port". Uses $logs (the peer logs
# to $logs/<name>.log) and $pin_server (a taskset prefix, or empty).
start_peer() { # name, ready pattern, command with PORT in it
  local name=$1 ready=$2 port pid
  shift 2
  for _ in $(seq 20); do
    port=$((20000 + RANDOM % 40000))
    $pin_server "${@//PORT/$port}" > "$logs/$name.log" 2>&1 &
    pid=$!
    if wait_for_log "$logs/$name.log" "$ready" "$pid"; then
      echo "$pid $port"
      return 0
    fi
    kill "$pid" 2>/dev/null || true
  done
  return 1
}
