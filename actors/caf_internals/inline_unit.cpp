// See inline_unit.hpp.
#include "actors/caf_internals/inline_unit.hpp"

#include "caf/abstract_actor.hpp"
#include "caf/actor_cast.hpp"
#include "caf/message_id.hpp"
#include "caf/scheduler/abstract_coordinator.hpp"

namespace actorhub::caf_internals {

namespace {
thread_local inline_unit* this_thread_unit = nullptr;  // the unit local() made for this thread
}  // namespace

inline_unit::inline_unit(caf::actor_system& sys) : caf::execution_unit(&sys) {}

inline_unit& inline_unit::local(caf::actor_system& sys) {
  // Never freed: an actor last run here keeps a pointer to its unit until its next turn, so the unit must
  // outlive every actor (it is a few bytes per thread).
  thread_local inline_unit* unit = nullptr;
  if (!unit) {
    unit = new inline_unit(sys);
    this_thread_unit = unit;
  }
  unit->system_ = &sys;  // tests run several actor systems, one after the other
  return *unit;
}

void inline_unit::deliver(const caf::actor& dest, caf::message msg) {
  auto* target = caf::actor_cast<caf::abstract_actor*>(dest);
  if (!target) return;
  capturing_ = !running_;
  captured_ = nullptr;
  target->enqueue(nullptr, caf::make_message_id(), std::move(msg), this);
  capturing_ = false;
  if (auto* job = captured_) {
    captured_ = nullptr;
    run(job);
  }
}

void inline_unit::deliver_chain(const caf::actor& dest, caf::message msg) {
  auto* target = caf::actor_cast<caf::abstract_actor*>(dest);
  if (!target) return;
  run_chain([&] { target->enqueue(nullptr, caf::make_message_id(), std::move(msg), this); });
}

void inline_unit::run_chain_jobs() {
  // chain_ may grow while a job runs (its sends); index, not iterators.
  for (std::size_t i = 0; i < chain_.size(); ++i) run(chain_[i], chain_throughput);
  chain_.clear();
  chaining_ = false;
}

void inline_unit::abandon_chain() {
  for (auto* job : chain_) system().scheduler().enqueue(job);
  chain_.clear();
  chaining_ = false;
}

void inline_unit::exec_later(caf::resumable* job) {
  // The reference CAF added for the scheduled job travels with it (released in run() or by the scheduler).
  // An actor keeps the unit it last ran on as its context: a send it makes from another thread must not touch
  // this thread's state.
  if (this_thread_unit != this) {
    system().scheduler().enqueue(job);
    return;
  }
  if (chaining_ && chain_budget_ > 0) {
    --chain_budget_;
    chain_.push_back(job);
    return;
  }
  if (capturing_) {
    captured_ = job;
    capturing_ = false;
    return;
  }
  system().scheduler().enqueue(job);
}

void inline_unit::run(caf::resumable* job, std::size_t throughput) {
  running_ = true;
  auto result = job->resume(this, throughput);
  running_ = false;
  switch (result) {
    case caf::resumable::resume_later:
      system().scheduler().enqueue(job);  // more mail than one turn: continue on a worker, keeping the reference
      break;
    case caf::resumable::done:
    case caf::resumable::awaiting_message:
    case caf::resumable::shutdown_execution_unit:
      caf::intrusive_ptr_release(job);
      break;
  }
}

}  // namespace actorhub::caf_internals
