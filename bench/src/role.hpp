#pragma once
// A scenario's behaviour inside one worker process: what its connections do once open, what they count, and
// when setup is complete. The worker owns the connections, the counters and the coordinator channel.
#include <netinet/in.h>

#include <memory>
#include <string>
#include <vector>

#include "clock.hpp"
#include "connection.hpp"
#include "counters.hpp"
#include "options.hpp"

namespace bench {

struct worker_context {
  const options& opts;
  event_loop& loop;
  std::vector<std::unique_ptr<connection>>& conns;
  uint32_t first_index;  // global index of conns[0]
  worker_report& report;
  bool measuring = false;
  bool stopped = false;

  std::string payload(uint64_t seq) const { return make_payload(seq, now_ns(), std::size_t(opts.payload)); }
  in_addr source_of(uint32_t global_index) const;
};

class role {
 public:
  virtual ~role() = default;
  // false: the worker does not connect everything up front (churn opens connections itself after GO).
  virtual bool connect_up_front() const { return true; }
  virtual void on_open(connection&) {}
  virtual void on_record(connection&, const incoming&) {}
  virtual void on_closed(connection&, bool /*failed*/) {}
  // Role-specific setup still pending (e.g. group joins) once every connection is open or failed.
  virtual uint64_t setup_pending() const { return 0; }
  virtual void on_go() {}
  virtual void on_stop() {}
};

std::unique_ptr<role> make_role(worker_context& ctx);

// Shared by broadcast and groups receivers: first copy, duplicate or reordered, and its latency.
void record_delivery(worker_context& ctx, connection& c, const marker& m, uint64_t max_seq);

}  // namespace bench
