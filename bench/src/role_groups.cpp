// groups: connection i joins group "g<i / S>"; the first member of each group (its leader) invokes
// SendToGroup(g, payload) --messages times, window- or rate-paced; every member records deliveries. With
// --group-others it invokes SendToOthersInGroup instead, so only the other members get a copy.
#include <string>

#include "pacer.hpp"
#include "role.hpp"

namespace bench {
namespace {

enum member_state { fresh = 0, joining = 1, joined = 2, sender_done = 3 };

class groups_role final : public role {
 public:
  explicit groups_role(worker_context& ctx) : ctx_(ctx), pacer_(1, 1) {}

  void on_open(connection& c) override {
    c.invoke("JoinGroup", {group_name(c)}, 0);
    c.user_state = joining;
    ++joins_pending_;
  }

  uint64_t setup_pending() const override { return joins_pending_; }

  void on_record(connection& c, const incoming& in) override {
    if (in.kind == incoming::invocation) {
      record_delivery(ctx_, c, in.mark, uint64_t(ctx_.opts.messages));
      return;
    }
    if (in.kind != incoming::completion) return;
    if (c.user_state == joining && in.has_id && in.invocation_id == 0) {
      c.user_state = joined;
      --joins_pending_;
      if (in.error) ++ctx_.report.c.completion_errors;
      return;
    }
    if (!ctx_.measuring || !is_leader(c)) return;
    auto& r = ctx_.report.c;
    if (c.outstanding) --c.outstanding;
    ++r.completions;
    if (in.error) ++r.completion_errors;
    if (ctx_.opts.rate == 0) send(c);
    check_done(c);
  }

  void on_closed(connection& c, bool) override {
    if (c.user_state == joining) --joins_pending_;
    if (is_leader(c) && c.user_state != sender_done && ctx_.measuring) ++ctx_.report.c.senders_done;
    c.user_state = sender_done;
  }

  void on_go() override {
    for (auto& c : ctx_.conns)
      if (is_leader(*c)) leaders_.push_back(c.get());
    ctx_.report.c.senders = leaders_.size();
    for (auto* c : leaders_)
      if (!c->is_open() || c->user_state != joined) {
        c->user_state = sender_done;
        ++ctx_.report.c.senders_done;
      }
    if (ctx_.opts.rate == 0) {
      for (auto* c : leaders_)
        for (int i = 0; i < ctx_.opts.window; ++i) send(*c);
      return;
    }
    uint64_t groups = (uint64_t(ctx_.opts.connections) + ctx_.opts.group_size - 1) / ctx_.opts.group_size;
    double my_rate = ctx_.opts.rate * double(leaders_.size()) / double(groups);
    pacer_ = pacer(my_rate, std::max(1.0, my_rate / 100));
    pacer_.start(now_ns());
    ctx_.loop.every(1'000'000, [this] {
      if (!ctx_.measuring) return false;
      uint64_t due = pacer_.take(now_ns());
      while (due > 0) {
        connection* c = next_ready();
        if (!c) break;
        send(*c);
        --due;
      }
      return true;
    });
  }

 private:
  bool is_leader(const connection& c) const { return c.index() % uint32_t(ctx_.opts.group_size) == 0; }
  uint32_t group_of(const connection& c) const { return c.index() / uint32_t(ctx_.opts.group_size); }
  std::string group_name(const connection& c) const { return "g" + std::to_string(group_of(c)); }
  uint64_t group_members(const connection& c) const {
    uint64_t first = uint64_t(group_of(c)) * uint64_t(ctx_.opts.group_size);
    return std::min<uint64_t>(uint64_t(ctx_.opts.group_size), uint64_t(ctx_.opts.connections) - first);
  }
  bool can_send(const connection& c) const {
    return c.user_state == joined && c.is_open() && c.outstanding < uint32_t(ctx_.opts.send_window()) &&
           c.next_seq < uint64_t(ctx_.opts.messages);
  }
  connection* next_ready() {
    for (std::size_t n = 0; n < leaders_.size(); ++n) {
      connection* c = leaders_[rr_++ % leaders_.size()];
      if (can_send(*c)) return c;
    }
    return nullptr;
  }
  void send(connection& c) {
    if (!ctx_.measuring || !can_send(c)) return;
    uint64_t seq = c.next_seq++;
    c.invoke(ctx_.opts.group_others ? "SendToOthersInGroup" : "SendToGroup", {group_name(c), ctx_.payload(seq)},
             int64_t(seq + 1));
    ++c.outstanding;
    ++ctx_.report.c.invocations;
    ctx_.report.c.expected += group_members(c) - (ctx_.opts.group_others ? 1 : 0);
  }
  void check_done(connection& c) {
    if (c.user_state == joined && c.next_seq >= uint64_t(ctx_.opts.messages) && c.outstanding == 0) {
      c.user_state = sender_done;
      ++ctx_.report.c.senders_done;
    }
  }

  worker_context& ctx_;
  pacer pacer_;
  uint64_t joins_pending_ = 0;
  std::vector<connection*> leaders_;
  std::size_t rr_ = 0;
};

}  // namespace

std::unique_ptr<role> make_groups_role(worker_context& ctx) { return std::make_unique<groups_role>(ctx); }

}  // namespace bench
