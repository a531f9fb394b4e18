#include "worker.hpp"

#include <cstring>
#include <memory>
#include <vector>

#include "proc_stats.hpp"
#include "role.hpp"

namespace bench {
namespace {

class worker final : public connection_events {
 public:
  worker(const options& opts, uint32_t first, uint32_t count, channel& ch)
      : opts_(opts), targets_(opts.make_targets()), ch_(ch), ctx_{opts, loop_, conns_, first, report_} {
    conns_.reserve(count);
    for (uint32_t i = 0; i < count; ++i) conns_.push_back(std::make_unique<connection>(loop_, targets_[(first + i) % targets_.size()], *this, first + i));
    was_open_.assign(count, 0);
    role_ = make_role(ctx_);
  }

  int run() {
    ch_.attach(loop_, [this](ipc type, std::string_view) { on_command(type); });
    if (role_->connect_up_front()) {
      in_setup_ = 0;
      pump();
    }
    loop_.every(100'000'000, [this] {
      send_report(ipc::progress);
      return true;
    });
    loop_.every(20'000'000, [this] {
      if (!ready_sent_ && setup_complete()) {
        ready_sent_ = true;
        send_report(ipc::ready);
      }
      return !ready_sent_;
    });
    loop_.every(1'000'000'000, [this] {
      sweep();
      return true;
    });
    loop_.run();
    return 0;
  }

  void on_open(connection& c) override {
    auto& r = report_;
    ++r.c.conns_opened;
    ++r.c.conns_open;
    r.setup.record(now_ns() - c.started_ns());
    was_open_[c.index() - ctx_.first_index] = 1;
    setup_finished();
    role_->on_open(c);
  }

  void on_record(connection& c, const incoming& in) override {
    if (in.kind == incoming::close && in.error) note_error("server sent Close with an error");
    role_->on_record(c, in);
  }

  void on_closed(connection& c, bool failed, const char* why) override {
    auto& r = report_;
    auto& open = was_open_[c.index() - ctx_.first_index];
    if (open) {
      open = 0;
      --r.c.conns_open;
      if (failed && !ctx_.stopped) {
        ++r.c.conns_dropped;
        note_error(why);
      }
    } else {
      ++r.c.conns_failed;
      note_error(why);
      setup_finished();
    }
    role_->on_closed(c, failed);
  }

 private:
  bool setup_complete() const {
    if (!role_->connect_up_front()) return true;
    return next_to_start_ >= conns_.size() && in_setup_ == 0 && role_->setup_pending() == 0;
  }

  void setup_finished() {
    if (in_setup_ == 0 || !role_->connect_up_front() || next_to_start_ > conns_.size()) return;
    --in_setup_;
    if (!pump_scheduled_ && next_to_start_ < conns_.size()) {
      pump_scheduled_ = true;
      loop_.after(0, [this] { pump(); });
    }
  }

  void pump() {
    pump_scheduled_ = false;
    while (next_to_start_ < conns_.size() && in_setup_ < uint32_t(opts_.connect_concurrency)) {
      auto& c = *conns_[next_to_start_++];
      ++in_setup_;
      c.start(ctx_.source_of(c.index()));
    }
  }

  void sweep() {
    int64_t now = now_ns();
    int64_t idle_limit = s_to_ns(opts_.ping_interval);
    for (auto& c : conns_) {
      if (c->is_open()) {
        if (now - c->last_send_ns() >= idle_limit) {
          c->ping();
          ++report_.c.pings_sent;
        }
      } else {
        c->check_deadline(now);
      }
    }
  }

  void on_command(ipc type) {
    if (type == ipc::go) {
      ctx_.measuring = true;
      role_->on_go();
      send_report(ipc::progress);  // tells the coordinator this worker's senders are counted
    } else if (type == ipc::stop || type == ipc(0)) {
      ctx_.measuring = false;
      role_->on_stop();
      if (type == ipc::stop) send_report(ipc::result);
      ctx_.stopped = true;
      for (auto& c : conns_) c->abort();
      loop_.stop();
    }
  }

  void send_report(ipc type) {
    report_.c.setup_pending = (conns_.size() - std::min<std::size_t>(next_to_start_, conns_.size())) + in_setup_ +
                              role_->setup_pending();
    if (!role_->connect_up_front()) report_.c.setup_pending = 0;
    report_.c.client_cpu_us = uint64_t(own_cpu_seconds() * 1e6);
    report_.c.measuring = ctx_.measuring ? 1 : 0;
    // Progress carries only the counters; ready and result carry the histograms too.
    if (type == ipc::progress)
      ch_.send(type, &report_.c, sizeof report_.c);
    else
      ch_.send(type, &report_, sizeof report_);
  }

  void note_error(const char* why) {
    if (!report_.first_error[0] && why)
      std::strncpy(report_.first_error, why, sizeof report_.first_error - 1);
  }

  const options& opts_;
  std::vector<target> targets_;  // one per --url; never resized (connections hold references)
  channel& ch_;
  event_loop loop_;
  std::vector<std::unique_ptr<connection>> conns_;
  worker_report report_;
  worker_context ctx_;
  std::unique_ptr<role> role_;
  std::vector<uint8_t> was_open_;
  std::size_t next_to_start_ = 0;
  uint32_t in_setup_ = 0;
  bool pump_scheduled_ = false;
  bool ready_sent_ = false;
};

}  // namespace

int run_worker(const options& opts, uint32_t first, uint32_t count, channel& ch) {
  auto w = std::make_unique<worker>(opts, first, count, ch);
  return w->run();
}

}  // namespace bench
