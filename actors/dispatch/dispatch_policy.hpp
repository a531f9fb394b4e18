// Where a hub's handlers run, learned from how long their calls take (node_options.hpp, dispatch_options).
//
// A handler runs "here" (inside its connection actor: inline on the I/O thread that read the invocation when
// the actor was idle, else on an actor scheduler thread) or on the blocking pool. Here is fastest, but a
// handler that blocks there stalls everything else that thread serves. So a new handler starts on the blocking
// pool; after `probation_calls` calls each quicker than `quick_call` it runs here. A handler that ever takes
// longer than `slow_call` (measured when it returns, or seen by the watchdog while it still runs) is slow for
// good: it runs on the blocking pool from then on, and is reported once (log line and metric).
//
// Handlers are numbered per hub: the methods by method_entry::index, then on_connected and on_disconnected.
// Thread-safe (atomics); one per served hub. Internal.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <actorhub/node_options.hpp>

namespace actorhub::dispatch {

// Called once per handler found slow: hub, handler name ("OnConnected"/"OnDisconnected" for those), how long
// the call had run when it was found.
using slow_reporter = std::function<void(const std::string& hub, const std::string& handler,
                                         std::chrono::milliseconds ran_for)>;

class dispatch_policy : public std::enable_shared_from_this<dispatch_policy> {
 public:
  dispatch_policy(std::string hub, std::vector<std::string> handlers, const dispatch_options& opts,
                  slow_reporter report);
  ~dispatch_policy();

  // True: run handler `h` in the connection actor; false: on the blocking pool.
  bool runs_here(std::size_t h) const noexcept {
    const auto& s = state_[h];
    return !s.slow.load(std::memory_order_relaxed) && s.quick.load(std::memory_order_relaxed) >= probation_;
  }
  // A call of handler `h` returned after `took`.
  void ran(std::size_t h, std::chrono::nanoseconds took);
  // The watchdog saw a call of `h` still running after `ran_for` (> slow_call).
  void stuck(std::size_t h, std::chrono::nanoseconds ran_for);
  bool slow(std::size_t h) const noexcept { return state_[h].slow.load(std::memory_order_relaxed); }

  std::chrono::nanoseconds slow_call() const noexcept { return slow_; }
  const std::string& hub() const noexcept { return hub_; }
  // Process-wide id under which the watchdog finds this policy.
  std::uint32_t id() const noexcept { return id_; }

 private:
  struct handler_state {
    std::atomic<std::uint32_t> quick{0};  // quick calls so far, saturating at the probation count
    std::atomic<bool> slow{false};
  };
  void mark_slow(std::size_t h, std::chrono::nanoseconds ran_for);

  std::string hub_;
  std::vector<std::string> names_;
  std::unique_ptr<handler_state[]> state_;
  std::uint32_t probation_;
  std::chrono::nanoseconds quick_;
  std::chrono::nanoseconds slow_;
  slow_reporter report_;
  std::uint32_t id_ = 0;
};

}  // namespace actorhub::dispatch
