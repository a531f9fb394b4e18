// See tracked_actor.hpp.
#include "actors/caf_internals/tracked_actor.hpp"

#include <utility>

#include <caf/abstract_actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/message_id.hpp>

#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace actorhub::caf_internals {

namespace {

#if defined(__SANITIZE_THREAD__)
void tsan_acquire(void* p) { __tsan_acquire(p); }
void tsan_release(void* p) { __tsan_release(p); }
#else
void tsan_acquire(void*) {}
void tsan_release(void*) {}
#endif

}  // namespace

thread_local tracked_actor* tracked_actor::running_ = nullptr;

caf::resumable::resume_result tracked_actor::resume(caf::execution_unit* ctx, size_t max_throughput) {
  // CAF runs one turn at a time, handing the actor between threads through its (uninstrumented) mailbox
  // atomics; this tells ThreadSanitizer so, since inline_unit makes such hand-overs common.
  tsan_acquire(this);
  // Saved and restored: an actor run inline from another actor's turn must not leave the outer one unset.
  auto* outer = std::exchange(running_, this);
  auto result = caf::event_based_actor::resume(ctx, max_throughput);
  running_ = outer;
  tsan_release(this);
  return result;
}

void tracked_actor::release_response_table() noexcept {
  if (multiplexed_responses_.empty()) multiplexed_responses_.shrink_to_fit();
}

void enqueue_plain(const caf::actor& dest, caf::message msg) {
  if (auto* target = caf::actor_cast<caf::abstract_actor*>(dest))
    target->enqueue(nullptr, caf::make_message_id(), std::move(msg), nullptr);
}

}  // namespace actorhub::caf_internals
