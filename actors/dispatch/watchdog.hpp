// Notices handlers that run too long while they still run. Every thread that runs hub handlers has a slot;
// a handler call marks its slot busy (policy id, handler, start time) and idle again when it returns: two
// relaxed atomic stores. One process-wide thread looks at the busy slots every few milliseconds and tells the
// policy of a call that has run longer than its slow_call, once per call. Internal.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace actorhub::dispatch {

class dispatch_policy;

namespace watchdog {

// Makes `policy` findable by the watchdog (and starts the watchdog thread on first use).
void watch(const std::shared_ptr<dispatch_policy>& policy);
void unwatch(std::uint32_t policy_id);

// Marks the calling thread's slot busy for the lifetime of the object.
class running_call {
 public:
  running_call(std::uint32_t policy_id, std::size_t handler) noexcept;
  ~running_call();
  running_call(const running_call&) = delete;
  running_call& operator=(const running_call&) = delete;

  // Time since the call started.
  std::chrono::nanoseconds elapsed() const noexcept;

 private:
  std::int64_t started_;
  bool nested_;
};

}  // namespace watchdog

}  // namespace actorhub::dispatch
