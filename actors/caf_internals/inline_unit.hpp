// Runs a connection actor on the thread that delivers its message (the I/O thread that just read the frame),
// instead of waking a scheduler thread for it. Internal.
//
// CAF schedules an idle actor through the execution unit passed to enqueue(): a worker thread's unit queues it
// for that worker, no unit hands it to the scheduler (waking a sleeping worker: a futex wake and a context
// switch, several microseconds here, per inbound frame). This unit instead runs the actor right away on the
// calling thread, exactly as a worker would (resume, then drop or requeue), when the delivery found it idle.
// CAF still guarantees one thread at a time per actor: an actor that is already scheduled or running elsewhere
// just gets the message in its mailbox.
//
// Follow-ups: what an inline run makes runnable in turn is run here too, after it (never nested), when it is
// one of the hub's own non-blocking actors (the hub's router, a connection actor; see runs_inline) and the
// bound of follow-ups per delivery is not used up. So a group send goes connection actor -> router (fan-out to
// the members' queues) -> connection actor (the router's `ok`, then the caller's Completion) on the I/O thread,
// with no thread hop. Any other actor, and everything past the bound, goes to the scheduler; an actor that has
// more work than one turn continues there as well.
//
// A chain (run_chain) does the same for a connection's setup and end: the actors made runnable while f runs
// (the connection actor spawned with this unit as its host, the router it attaches to or detaches from) and
// then their follow-ups (the connection actor again for the router's answer) run on this thread after f, in
// turns of a few messages each. So a connect or a close wakes no scheduler thread.
#pragma once

#include <array>
#include <cstddef>
#include <utility>

#include "caf/actor.hpp"
#include "caf/actor_system.hpp"
#include "caf/execution_unit.hpp"
#include "caf/message.hpp"
#include "caf/resumable.hpp"

namespace actorhub::caf_internals {

class inline_unit final : public caf::execution_unit {
 public:
  // The unit of the calling thread (one per thread, made on first use).
  static inline_unit& local(caf::actor_system& sys);

  // Puts `msg` into `dest`'s mailbox and, when that made `dest` runnable and no inline run is in progress on
  // this thread, runs it here before returning, then the follow-ups it made runnable.
  void deliver(const caf::actor& dest, caf::message msg);

  // Runs f(); the hub's actors made runnable through this unit meanwhile, and their follow-ups, run here
  // afterwards (within the follow-up bound). Not nested: inside an inline run or a chain, f() just runs.
  template <class F>
  void run_chain(F&& f) {
    if (running_ || chaining_) return static_cast<void>(std::forward<F>(f)());
    chaining_ = true;
    follow_head_ = follow_count_ = 0;
    try {
      std::forward<F>(f)();
    } catch (...) {
      abandon_follow_ups();
      throw;
    }
    chaining_ = false;
    run_follow_ups(chain_throughput);
  }

  // deliver() as a chain: dest runs here when it is one of the hub's own actors (runs_inline), else on the
  // scheduler, like any follow-up.
  void deliver_chain(const caf::actor& dest, caf::message msg);

  void exec_later(caf::resumable* job) override;

  // Actors of these names may run as follow-ups (CAF's actor names; the router's and the connection actor's).
  static bool runs_inline(caf::resumable* job);

 private:
  explicit inline_unit(caf::actor_system& sys);
  void run(caf::resumable* job, std::size_t throughput);
  void run_follow_ups(std::size_t throughput);
  void abandon_follow_ups();  // a chain's f() threw: what it made runnable goes to the scheduler

  static constexpr std::size_t max_throughput = 64;   // messages per inline turn before yielding to the scheduler
  static constexpr std::size_t chain_throughput = 8;  // per chain turn (the router may have others' mail)
  static constexpr std::size_t max_follow_ups = 8;    // follow-up runs per delivery or chain; more go to the scheduler

  bool capturing_ = false;  // inside deliver()'s enqueue: the job to run inline
  bool running_ = false;    // an inline run is in progress (no nesting: later jobs are follow-ups)
  bool chaining_ = false;   // inside run_chain's f(): jobs become follow-ups
  caf::resumable* captured_ = nullptr;
  std::array<caf::resumable*, max_follow_ups> follow_ups_{};  // FIFO, run after the current job
  std::size_t follow_head_ = 0;   // next follow-up to run
  std::size_t follow_count_ = 0;  // follow-ups accepted during this delivery or chain (the bound)
};

}  // namespace actorhub::caf_internals
