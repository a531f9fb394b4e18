// Runs a connection actor on the thread that delivers its message (the I/O thread that just read the frame),
// instead of waking a scheduler thread for it. Internal.
//
// CAF schedules an idle actor through the execution unit passed to enqueue(): a worker thread's unit queues it
// for that worker, no unit hands it to the scheduler (waking a sleeping worker: a futex wake and a context
// switch, several microseconds here, per inbound frame). This unit instead runs the actor right away on the
// calling thread, exactly as a worker would (resume, then drop or requeue), when the delivery found it idle.
// CAF still guarantees one thread at a time per actor: an actor that is already scheduled or running elsewhere
// just gets the message in its mailbox. Everything the actor schedules in turn (the hub actor, group actors)
// goes to the regular scheduler, and an actor that has more work than one turn continues there as well.
#pragma once

#include <cstddef>

#include "caf/actor.hpp"
#include "caf/actor_system.hpp"
#include "caf/execution_unit.hpp"
#include "caf/message.hpp"
#include "caf/resumable.hpp"

namespace actorhub::caf_internals {

class inline_unit final : public caf::execution_unit {
 public:
  // The calling thread's unit (created on first use, lives as long as the thread).
  static inline_unit& local(caf::actor_system& sys);

  // Puts `msg` into `dest`'s mailbox and, when that made `dest` runnable and no inline run is in progress on
  // this thread, runs it here before returning.
  void deliver(const caf::actor& dest, caf::message msg);

  void exec_later(caf::resumable* job) override;

 private:
  explicit inline_unit(caf::actor_system& sys);
  void run(caf::resumable* job);

  bool capturing_ = false;            // inside deliver()'s enqueue: the job to run inline
  bool running_ = false;              // an inline run is in progress (no nesting: later jobs go to the scheduler)
  caf::resumable* captured_ = nullptr;
  static constexpr std::size_t max_throughput = 64;  // messages per inline turn before yielding to the scheduler
};

}  // namespace actorhub::caf_internals
