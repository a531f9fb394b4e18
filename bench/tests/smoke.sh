#!/usr/bin/env bash
# End-to-end smoke test of actorhub-bench against a real conformance-hub (and the uws / ws / socket.io baselines
# when bench/peers/node_modules has them): every scenario runs briefly and must deliver everything, lose nothing
# and report server CPU and RSS; against actorhub also MessagePack, Server-Sent Events, long polling and a
# windowed unpaced broadcast. Usage: smoke.sh BIN_DIR. Bounded: each run has --timeout and `timeout`.
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

# run_hub_checks URL LABEL [actorhub-bench options for every run...]
run_hub_checks() {
  local url=$1 label=$2
  shift 2
  check "$label echo" "$delivered_all" -- echo --url "$url" "$@" -c 5 -w 2 -d 0.5 --settle 0.1
  check "$label broadcast" "$delivered_all and .expected == .delivered" -- \
    broadcast --url "$url" "$@" -c 50 -m 20 --rate 100 --warmup 2 --settle 0.1
  check "$label groups" "$delivered_all and .expected == .delivered" -- \
    groups --url "$url" "$@" -c 20 --group-size 5 -m 5 --settle 0.1
  check "$label churn" "$delivered_all and .conns_opened > 1" -- churn --url "$url" "$@" -c 2 -d 0.5 --settle 0.1
  check "$label idle" '.measured and .conns_open_at_end == 30 and .server_stats.rss_per_conn_kib != null' -- \
    idle --url "$url" "$@" -c 30 -d 0.5 --settle 0.1
}

port=$(free_port)
"$bin/conformance-hub" --http "127.0.0.1:$port" >/tmp/actorhub-bench-smoke-hub.log 2>&1 &
pid=$!
if wait_http "$port"; then
  hub="http://127.0.0.1:$port/testhub"
  run_hub_checks "$hub" "actorhub json"
  run_hub_checks "$hub" "actorhub messagepack" --protocol messagepack
  # Server-Sent Events and long polling: events / polls in, POSTs out (MessagePack only over long polling)
  for t in sse longpolling; do
    check "actorhub $t echo" "$delivered_all and .transport == \"$t\"" -- \
      echo --url "$hub" --transport $t -c 5 -w 2 -d 0.5 --settle 0.1
    check "actorhub $t broadcast" "$delivered_all and .expected == .delivered" -- \
      broadcast --url "$hub" --transport $t -c 30 -m 20 --rate 100 --warmup 2 --settle 0.1
  done
  check "actorhub longpolling messagepack broadcast" "$delivered_all and .expected == .delivered" -- \
    broadcast --url "$hub" --transport longpolling --protocol messagepack -c 30 -m 20 --rate 100 --settle 0.1
  # the sender unpaced with exactly W SendToAll in flight (bench/run broadcast --tag window16 uses W = 16)
  check "actorhub broadcast, 16 in flight" "$delivered_all and .expected == .delivered and .sender_max_in_flight == 16" -- \
    broadcast --url "$hub" -c 20 -m 200 --rate 0 -w 16 --settle 0.1
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

# a two-node cluster: connections spread over both nodes' URLs (--url twice); every broadcast copy and every
# SendToOthersInGroup message between the two nodes arrives once
port=$(free_port)
nport=$(free_port)
port2=$(free_port)
"$bin/conformance-hub" --http "127.0.0.1:$port" --node "$nport" >/tmp/actorhub-bench-smoke-n1.log 2>&1 &
pid=$!
"$bin/conformance-hub" --http "127.0.0.2:$port2" --node 0 --node-bind 127.0.0.2 --join "127.0.0.1:$nport" \
  >/tmp/actorhub-bench-smoke-n2.log 2>&1 &
pid2=$!
joined=0
for _ in $(seq 100); do
  curl -s "http://127.0.0.2:$port2/healthz" 2>/dev/null | grep -q '"members":2' && { joined=1; break; }
  sleep 0.1
done
if [[ $joined == 1 ]]; then
  urls=(--url "http://127.0.0.1:$port/testhub" --url "http://127.0.0.2:$port2/testhub")
  check "cluster broadcast over two nodes" "$delivered_all and .expected == .delivered and (.urls | length) == 2" -- \
    broadcast "${urls[@]}" -c 40 -m 20 --rate 100 --warmup 2 --settle 0.1
  check "cluster SendToOthersInGroup across nodes" \
    "$delivered_all and .expected == .delivered and .delivered == .invocations and .group_method == \"SendToOthersInGroup\"" -- \
    groups "${urls[@]}" -c 20 --group-size 2 --group-others -m 5 --settle 0.1
else
  failed=$((failed + 1))
  echo "FAIL the two cluster nodes did not join"
  cat /tmp/actorhub-bench-smoke-n1.log /tmp/actorhub-bench-smoke-n2.log
fi
kill "$pid2" 2>/dev/null && wait "$pid2" 2>/dev/null
cleanup

for peer in uws ws socketio; do
  module=$peer
  [[ $peer == uws ]] && module=uwebsockets
  [[ $peer == socketio ]] && module=socket.io
  if [[ ! -d "$here/peers/node_modules/$module" ]]; then
    echo "skipping the $peer baseline: run npm ci in bench/peers"
    continue
  fi
  port=$(free_port)
  node "$here/peers/$peer-server.js" --port "$port" >/dev/null 2>&1 &
  pid=$!
  if wait_http "$port"; then
    run_hub_checks "http://127.0.0.1:$port/" "$peer" --peer "$peer"
  else
    failed=$((failed + 1))
    echo "FAIL $peer peer did not start"
  fi
  cleanup
done

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
