#!/usr/bin/env bash
# End-to-end smoke test of actorhub-bench against a real conformance-hub (and the ws / socket.io baselines when
# bench/peers/node_modules is installed): every scenario runs briefly and must deliver everything, lose nothing
# and report server CPU and RSS. Usage: smoke.sh BIN_DIR. Bounded: each run has --timeout and `timeout`.
set -uo pipefail
bin=${1:?usage: smoke.sh BIN_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench=$bin/actorhub-bench
passed=0
failed=0
pid=""

cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=""; }
trap cleanup EXIT

free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 12000))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

wait_http() {
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$1/healthz" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# check NAME JQ_CONDITION -- actorhub-bench args...
check() {
  local name=$1 cond=$2
  shift 3
  local out
  out=$(timeout 60 "$bench" "$@" --pid "$pid" --timeout 45 -q 2>/tmp/actorhub-bench-smoke.err | tail -n 1)
  if [[ "$out" == \{* ]] && echo "$out" | jq -e "$cond" >/dev/null; then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name: ${out:-no output}"
    cat /tmp/actorhub-bench-smoke.err
  fi
}

delivered_all='.measured and (.timed_out | not) and .delivered > 0 and .lost == 0 and .duplicates == 0
  and .conns_failed == 0 and .conns_dropped == 0 and .errors == 0 and .server_stats.cpu_s >= 0'

run_hub_checks() {
  local url=$1 peer=$2 label=$3
  check "$label echo" "$delivered_all" -- echo --url "$url" --peer "$peer" -c 5 -w 2 -d 1 --settle 0.2
  check "$label broadcast" "$delivered_all and .expected == .delivered" -- \
    broadcast --url "$url" --peer "$peer" -c 50 -m 20 --rate 100 --warmup 2 --settle 0.2
  check "$label groups" "$delivered_all and .expected == .delivered" -- \
    groups --url "$url" --peer "$peer" -c 20 --group-size 5 -m 5 --settle 0.2
  check "$label churn" "$delivered_all and .conns_opened > 1" -- churn --url "$url" --peer "$peer" -c 2 -d 1 --settle 0.2
  check "$label idle" '.measured and .conns_open_at_end == 30 and .server_stats.rss_per_conn_kib != null' -- \
    idle --url "$url" --peer "$peer" -c 30 -d 1 --settle 0.2
}

port=$(free_port)
"$bin/conformance-hub" --http "127.0.0.1:$port" >/tmp/actorhub-bench-smoke-hub.log 2>&1 &
pid=$!
if wait_http "$port"; then
  run_hub_checks "http://127.0.0.1:$port/testhub" signalr "actorhub json"
  check "actorhub messagepack echo" "$delivered_all" -- \
    echo --url "http://127.0.0.1:$port/testhub" --protocol messagepack -c 5 -d 1 --settle 0.2
  check "actorhub messagepack broadcast" "$delivered_all and .expected == .delivered" -- \
    broadcast --url "http://127.0.0.1:$port/testhub" --protocol messagepack -c 50 -m 20 --rate 100 --settle 0.2
  # never a target outside loopback: one line on stderr, exit code 2, no traffic
  timeout 5 "$bench" echo --url http://10.1.2.3:80/testhub 2>/tmp/actorhub-bench-smoke.err >/dev/null
  rc=$?
  if [[ $rc -eq 2 ]] && grep -q "loopback" /tmp/actorhub-bench-smoke.err; then
    passed=$((passed + 1))
    echo "ok   refuses a non-loopback target"
  else
    failed=$((failed + 1))
    echo "FAIL non-loopback target was not refused"
  fi
else
  failed=$((failed + 1))
  echo "FAIL conformance-hub did not start"
  cat /tmp/actorhub-bench-smoke-hub.log
fi
cleanup

if [[ -d "$here/peers/node_modules/ws" && -d "$here/peers/node_modules/socket.io" ]]; then
  for peer in ws socketio; do
    port=$(free_port)
    script=$here/peers/ws-server.js
    [[ $peer == socketio ]] && script=$here/peers/socketio-server.js
    node "$script" --port "$port" >/dev/null 2>&1 &
    pid=$!
    if wait_http "$port"; then
      run_hub_checks "http://127.0.0.1:$port/" "$peer" "$peer"
    else
      failed=$((failed + 1))
      echo "FAIL $peer peer did not start"
    fi
    cleanup
  done
else
  echo "skipping the ws/socket.io baselines: run npm ci in bench/peers"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
