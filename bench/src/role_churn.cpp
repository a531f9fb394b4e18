// churn: --connections slots, each cycling connect (negotiate, WebSocket, handshake) -> Echo once -> graceful
// close, for --duration; unpaced or at --rate cycles/s. The server closes TCP first (WebSocket close
// handshake), so TIME_WAIT stays on the server side; source addresses rotate over --src-addrs.
#include <deque>

#include "pacer.hpp"
#include "role.hpp"

namespace bench {
namespace {

enum slot_state { connecting = 0, echoed = 1 };

class churn_role final : public role {
 public:
  explicit churn_role(worker_context& ctx) : ctx_(ctx), pacer_(1, 1) {}

  bool connect_up_front() const override { return false; }

  void on_go() override {
    for (auto& c : ctx_.conns) idle_.push_back(c.get());
    if (ctx_.opts.rate == 0) {
      while (!idle_.empty()) start_next();
      return;
    }
    double my_rate = ctx_.opts.rate * double(ctx_.conns.size()) / double(ctx_.opts.connections);
    pacer_ = pacer(my_rate, std::max(1.0, my_rate / 100));
    pacer_.start(now_ns());
    ctx_.loop.every(1'000'000, [this] {
      if (!ctx_.measuring) return false;
      uint64_t due = pacer_.take(now_ns());
      while (due > 0 && !idle_.empty()) {
        start_next();
        --due;
      }
      return true;
    });
  }

  void on_open(connection& c) override {
    c.user_state = connecting;
    c.invoke("Echo", {ctx_.payload(0)}, 0);
    ++ctx_.report.c.invocations;
  }

  void on_record(connection& c, const incoming& in) override {
    if (in.kind != incoming::completion || c.user_state != connecting) return;
    if (in.error) ++ctx_.report.c.completion_errors;
    ++ctx_.report.c.completions;
    c.user_state = echoed;
    ctx_.report.latency.record(now_ns() - c.started_ns());
    c.close_gracefully();
  }

  void on_closed(connection& c, bool failed) override {
    if (!failed && c.user_state == echoed && ctx_.measuring) ++ctx_.report.c.cycles;
    c.user_state = connecting;
    if (!ctx_.measuring) return;
    connection* slot = &c;
    // Restart from a timer, never from inside the closing socket's own callback.
    ctx_.loop.after(failed ? 10'000'000 : 0, [this, slot] {
      idle_.push_back(slot);
      if (ctx_.opts.rate == 0 && ctx_.measuring) start_next();
    });
  }

 private:
  void start_next() {
    connection* c = idle_.front();
    idle_.pop_front();
    c->start(ctx_.source_of(c->index() + uint32_t(cycles_started_++)));
  }

  worker_context& ctx_;
  pacer pacer_;
  std::deque<connection*> idle_;
  uint64_t cycles_started_ = 0;
};

}  // namespace

std::unique_ptr<role> make_churn_role(worker_context& ctx) { return std::make_unique<churn_role>(ctx); }

}  // namespace bench
