// actors/caf_internals/ holds every use actorhub makes of CAF 0.17 internals (not its documented API), so an
// upgrade of CAF has one folder to revisit:
//   inline_unit.hpp    a caf::execution_unit of our own that resumes an actor on the calling thread
//   tracked_actor.hpp  (this file) an event_based_actor subclass overriding resume() to know which actor
//                      runs on the calling thread, giving back the capacity of the protected table of
//                      pending responses (scheduled_actor::multiplexed_responses_), and an enqueue that
//                      bypasses any execution unit (the plain path: CAF's scheduler runs the actor).
// The plain path (dispatch_options::inline_dispatch = false) uses only enqueue_plain; CI runs the actor
// tests with both paths. Internal.
#pragma once

#include <cstddef>

#include <caf/actor.hpp>
#include <caf/actor_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/message.hpp>

namespace actorhub::caf_internals {

class tracked_actor : public caf::event_based_actor {
 public:
  explicit tracked_actor(caf::actor_config& cfg) : caf::event_based_actor(cfg) {}

  // The tracked actor running on the calling thread (inside its resume()), or null.
  static tracked_actor* current() noexcept { return running_; }

  resume_result resume(caf::execution_unit* ctx, size_t max_throughput) override;

  // Gives back the memory of the table of pending responses while it is empty: CAF keeps its capacity (32 bytes
  // per actor after one request), which an actor that exists once per connection pays per connection.
  void release_response_table() noexcept;

 private:
  static thread_local tracked_actor* running_;
};

// Puts `msg` into `dest`'s mailbox with no sender and no execution unit: CAF's scheduler runs `dest`.
void enqueue_plain(const caf::actor& dest, caf::message msg);

}  // namespace actorhub::caf_internals
