// echo: every connection keeps --window Echo(payload) invocations outstanding; a completion carries the payload
// back, whose marker gives the round-trip time. Counts round trips completed in the measured window.
#include "role.hpp"

namespace bench {
namespace {

class echo_role final : public role {
 public:
  explicit echo_role(worker_context& ctx) : ctx_(ctx) {}

  void on_go() override {
    for (auto& c : ctx_.conns)
      if (c->is_open())
        for (int i = 0; i < ctx_.opts.window; ++i) send(*c);
  }

  void on_record(connection& c, const incoming& in) override {
    if (in.kind != incoming::completion || !ctx_.measuring) return;
    if (c.outstanding) --c.outstanding;
    auto& r = ctx_.report;
    ++r.c.completions;
    if (in.error || !in.mark.present) {
      ++r.c.completion_errors;
    } else {
      ++r.c.deliveries;
      r.latency.record(now_ns() - in.mark.sent_ns);
      if (c.any_seen && in.mark.seq <= c.last_seq_seen) ++r.c.reordered;
      c.last_seq_seen = in.mark.seq;
      c.any_seen = true;
    }
    send(c);
  }

  void on_closed(connection& c, bool) override {
    ctx_.report.c.lost += c.outstanding;
    c.outstanding = 0;
  }

 private:
  void send(connection& c) {
    if (!ctx_.measuring || !c.is_open()) return;
    if (ctx_.opts.messages && c.next_seq >= uint64_t(ctx_.opts.messages)) return;
    uint64_t seq = c.next_seq++;
    c.invoke("Echo", {ctx_.payload(seq)}, int64_t(seq));
    ++c.outstanding;
    ++ctx_.report.c.invocations;
  }

  worker_context& ctx_;
};

}  // namespace

std::unique_ptr<role> make_echo_role(worker_context& ctx) { return std::make_unique<echo_role>(ctx); }

}  // namespace bench
