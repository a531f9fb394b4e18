// broadcast, worker side: every connection is a receiver of the coordinator's SendToAll payloads and records
// each first copy (latency from the sender's timestamp), duplicates and reordering, and counts the server's
// keep-alive pings (a long --settle holds the connections past the keep-alive interval).
#include "role.hpp"

namespace bench {
namespace {

class receiver_role final : public role {
 public:
  explicit receiver_role(worker_context& ctx) : ctx_(ctx) {}

  void on_record(connection& c, const incoming& in) override {
    if (in.kind == incoming::invocation) record_delivery(ctx_, c, in.mark, uint64_t(ctx_.opts.messages));
    else if (in.kind == incoming::ping) ++ctx_.report.c.server_pings;
  }

 private:
  worker_context& ctx_;
};

}  // namespace

std::unique_ptr<role> make_receiver_role(worker_context& ctx) { return std::make_unique<receiver_role>(ctx); }

}  // namespace bench
