#pragma once
// The outcome of one run: a human table and one JSON line (the last line on stdout).
#include <cstdio>
#include <string>

#include "counters.hpp"
#include "options.hpp"
#include "proc_stats.hpp"

namespace bench {

struct run_result {
  const options* opts = nullptr;
  int procs = 1;
  counters c;            // all workers plus the broadcast sender
  histogram latency;     // delivery latency / round trip / churn cycle time
  histogram setup;       // connection setup time
  uint64_t receivers_at_go = 0;  // connections open when the measured phase began
  uint64_t expected = 0;         // broadcast/groups: deliveries that should have happened
  uint64_t sender_max_in_flight = 0;  // broadcast: most unacknowledged SendToAll at once in the measured phase
  double window_s = 0;           // measured phase
  bool timed_out = false;
  bool measured = false;         // the measured phase ran
  int workers_lost = 0;          // worker processes that died without reporting
  std::string first_error;
  proc_sample srv_before, srv_go, srv_end;
  double client_cpu_s = 0;
  double loadavg_1min = -1;  // /proc/loadavg when the run started: how busy the shared machine was

  uint64_t delivered() const;  // the unit "per message" refers to
  uint64_t lost() const;
  const char* unit() const;    // "delivery", "round trip", "cycle", "connection"
  const char* units() const;   // plural
};

void print_table(const run_result& r, std::FILE* out);
std::string json_line(const run_result& r);

}  // namespace bench
