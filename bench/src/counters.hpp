#pragma once
// What a worker counts, shipped to the coordinator as plain bytes (same binary on both ends of a pipe).
#include <cstdint>

#include "histogram.hpp"

namespace bench {

struct counters {
  uint64_t conns_opened = 0;     // WebSocket + handshake completed (cumulative; churn counts every cycle)
  uint64_t conns_open = 0;       // open right now
  uint64_t conns_failed = 0;     // setup failed (connect, negotiate, upgrade, handshake, timeout)
  uint64_t conns_dropped = 0;    // closed by the server or by an error after opening
  uint64_t setup_pending = 0;    // connections (or group joins) still being set up
  uint64_t invocations = 0;      // invocations sent (echo, SendToAll, SendToGroup, JoinGroup)
  uint64_t completions = 0;      // completions received for them
  uint64_t completion_errors = 0;
  uint64_t deliveries = 0;       // first copy of a payload at a receiver (echo: completed round trips)
  uint64_t duplicates = 0;
  uint64_t reordered = 0;        // a payload arrived after a later one from the same sender
  uint64_t lost = 0;             // known-lost (in flight on a dropped connection); broadcast loss is computed
  uint64_t expected = 0;         // deliveries expected from the sends this process made (groups)
  uint64_t server_pings = 0;
  uint64_t pings_sent = 0;
  uint64_t cycles = 0;           // churn: connect + handshake + Echo + close completed
  uint64_t senders = 0;          // sending connections in this process
  uint64_t senders_done = 0;     // of them, done sending with all acknowledgements in
  uint64_t client_cpu_us = 0;    // this process's own CPU (user+sys)
  uint64_t measuring = 0;        // processes that have started the measured phase
  uint64_t warmup_deliveries = 0;  // broadcast: copies of the unmeasured warm-up messages

  void add(const counters& o) {
    conns_opened += o.conns_opened;
    conns_open += o.conns_open;
    conns_failed += o.conns_failed;
    conns_dropped += o.conns_dropped;
    setup_pending += o.setup_pending;
    invocations += o.invocations;
    completions += o.completions;
    completion_errors += o.completion_errors;
    deliveries += o.deliveries;
    duplicates += o.duplicates;
    reordered += o.reordered;
    lost += o.lost;
    expected += o.expected;
    server_pings += o.server_pings;
    pings_sent += o.pings_sent;
    cycles += o.cycles;
    senders += o.senders;
    senders_done += o.senders_done;
    client_cpu_us += o.client_cpu_us;
    measuring += o.measuring;
    warmup_deliveries += o.warmup_deliveries;
  }
};

struct worker_report {
  counters c;
  histogram latency;  // per scenario: delivery latency, round trip, or churn cycle time
  histogram setup;    // connection setup: TCP connect .. hub handshake done
  char first_error[120] = {};
};

}  // namespace bench
