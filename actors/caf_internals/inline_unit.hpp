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
//
// A chain (run_chain) goes one step further for a connection's setup and end: the actors that f, and then
// the actors run here, make runnable (the connection actor spawned with this unit as its host, the router it
// attaches to or detaches from, the connection actor again for the router's answer) run on this thread one
// after another, up to a few turns of a few messages each; anything beyond goes to the scheduler. So a
// connect or a close wakes no scheduler thread.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

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

  // Runs f(); the actors made runnable through this unit meanwhile, and those they make runnable in turn, run
  // here afterwards (at most max_chain_jobs turns). Not nested: inside an inline run, f() just runs.
  template <class F>
  void run_chain(F&& f) {
    if (running_ || chaining_) return static_cast<void>(std::forward<F>(f)());
    chaining_ = true;
    chain_budget_ = max_chain_jobs;
    try {
      std::forward<F>(f)();
    } catch (...) {
      abandon_chain();
      throw;
    }
    run_chain_jobs();
  }

  // deliver() as a chain.
  void deliver_chain(const caf::actor& dest, caf::message msg);

  void exec_later(caf::resumable* job) override;

 private:
  explicit inline_unit(caf::actor_system& sys);
  void run(caf::resumable* job, std::size_t throughput = max_throughput);
  void run_chain_jobs();
  void abandon_chain();  // f() threw: what it made runnable goes to the scheduler

  bool capturing_ = false;            // inside deliver()'s enqueue: the job to run inline
  bool running_ = false;              // an inline run is in progress (no nesting: later jobs go to the scheduler)
  caf::resumable* captured_ = nullptr;
  bool chaining_ = false;                 // inside run_chain: jobs go to chain_
  std::size_t chain_budget_ = 0;          // turns the current chain may still take here
  std::vector<caf::resumable*> chain_;    // jobs of the current chain, in order
  static constexpr std::size_t max_throughput = 64;  // messages per inline turn before yielding to the scheduler
  static constexpr std::size_t max_chain_jobs = 8;   // turns per chain (a connect takes 3, a close 2)
  static constexpr std::size_t chain_throughput = 8; // messages per chain turn (the router may have others' mail)
};

}  // namespace actorhub::caf_internals
