// See dispatch_policy.hpp.
#include "actors/dispatch/dispatch_policy.hpp"

#include "actors/dispatch/watchdog.hpp"

namespace actorhub::dispatch {

namespace {

std::uint32_t next_id() {
  static std::atomic<std::uint32_t> n{0};
  return ++n;
}

}  // namespace

dispatch_policy::dispatch_policy(std::string hub, std::vector<std::string> handlers, const dispatch_options& opts,
                                 slow_reporter report)
    : hub_(std::move(hub)),
      names_(std::move(handlers)),
      state_(std::make_unique<handler_state[]>(names_.size())),
      probation_(opts.probation_calls),
      quick_(opts.quick_call),
      slow_(opts.slow_call),
      report_(std::move(report)),
      id_(next_id()) {}

dispatch_policy::~dispatch_policy() { watchdog::unwatch(id_); }

void dispatch_policy::ran(std::size_t h, std::chrono::nanoseconds took) {
  auto& s = state_[h];
  if (took > slow_) return mark_slow(h, took);
  if (took >= quick_ || s.slow.load(std::memory_order_relaxed)) return;
  auto q = s.quick.load(std::memory_order_relaxed);
  while (q < probation_ && !s.quick.compare_exchange_weak(q, q + 1, std::memory_order_relaxed)) {
  }
}

void dispatch_policy::stuck(std::size_t h, std::chrono::nanoseconds ran_for) { mark_slow(h, ran_for); }

void dispatch_policy::mark_slow(std::size_t h, std::chrono::nanoseconds ran_for) {
  if (state_[h].slow.exchange(true, std::memory_order_relaxed)) return;
  if (report_) report_(hub_, names_[h], std::chrono::duration_cast<std::chrono::milliseconds>(ran_for));
}

}  // namespace actorhub::dispatch
