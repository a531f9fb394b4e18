// See watchdog.hpp.
#include "actors/dispatch/watchdog.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "actors/dispatch/dispatch_policy.hpp"

namespace actorhub::dispatch::watchdog {

namespace {

using clock_type = std::chrono::steady_clock;
constexpr auto period = std::chrono::milliseconds(5);

std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count();
}

struct slot {
  std::atomic<std::int64_t> started{0};  // 0: idle
  std::atomic<std::uint32_t> policy{0};
  std::atomic<std::uint32_t> handler{0};
  std::atomic<std::int64_t> reported{0};  // `started` of the call already reported
  std::atomic<bool> in_use{true};          // false: its thread ended, the slot may be reused
};

struct state {
  std::mutex mu;
  std::vector<slot*> slots;  // never freed: a reader may hold one while its thread ends
  std::unordered_map<std::uint32_t, std::weak_ptr<dispatch_policy>> policies;
  std::thread thread;
  std::condition_variable cv;

  void scan() {
    std::vector<std::pair<std::uint32_t, std::pair<std::uint32_t, std::int64_t>>> due;
    const auto now = now_ns();
    std::unique_lock<std::mutex> g(mu);
    for (auto* s : slots) {
      auto started = s->started.load(std::memory_order_relaxed);
      if (started == 0 || s->reported.load(std::memory_order_relaxed) == started) continue;
      auto p = policies.find(s->policy.load(std::memory_order_relaxed));
      if (p == policies.end()) continue;
      auto policy = p->second.lock();
      if (!policy || now - started <= policy->slow_call().count()) continue;
      s->reported.store(started, std::memory_order_relaxed);
      g.unlock();
      policy->stuck(s->handler.load(std::memory_order_relaxed), std::chrono::nanoseconds(now - started));
      g.lock();
    }
  }

  void run() {
    std::unique_lock<std::mutex> g(mu);
    for (;;) {
      cv.wait_for(g, period);
      g.unlock();
      scan();
      g.lock();
    }
  }
};

state& shared() {
  // Never destroyed: threads may still leave calls while the process exits.
  static state* s = new state;
  return *s;
}

struct thread_slot {
  slot* s = nullptr;
  int depth = 0;
  ~thread_slot() {
    if (s) s->in_use.store(false, std::memory_order_release);
  }
  slot& get() {
    if (s) return *s;
    auto& st = shared();
    std::lock_guard<std::mutex> g(st.mu);
    for (auto* free : st.slots) {
      bool expected = false;
      if (free->in_use.compare_exchange_strong(expected, true)) return *(s = free);
    }
    s = new slot;
    st.slots.push_back(s);
    return *s;
  }
};

thread_local thread_slot local;

}  // namespace

void watch(const std::shared_ptr<dispatch_policy>& policy) {
  auto& st = shared();
  std::lock_guard<std::mutex> g(st.mu);
  st.policies[policy->id()] = policy;
  if (!st.thread.joinable()) {
    st.thread = std::thread([&st] { st.run(); });
    st.thread.detach();
  }
}

void unwatch(std::uint32_t policy_id) {
  auto& st = shared();
  std::lock_guard<std::mutex> g(st.mu);
  st.policies.erase(policy_id);
}

running_call::running_call(std::uint32_t policy_id, std::size_t handler) noexcept : started_(now_ns()) {
  // A handler that runs another connection's handler inline (nested inline dispatch) keeps the outer mark.
  nested_ = local.depth++ > 0;
  if (nested_) return;
  auto& s = local.get();
  s.policy.store(policy_id, std::memory_order_relaxed);
  s.handler.store(static_cast<std::uint32_t>(handler), std::memory_order_relaxed);
  s.started.store(started_, std::memory_order_relaxed);
}

running_call::~running_call() {
  --local.depth;
  if (!nested_) local.s->started.store(0, std::memory_order_relaxed);
}

std::chrono::nanoseconds running_call::elapsed() const noexcept { return std::chrono::nanoseconds(now_ns() - started_); }

}  // namespace actorhub::dispatch::watchdog
