// See inline_unit.hpp.
#include "actors/caf_internals/inline_unit.hpp"

#include "caf/abstract_actor.hpp"
#include "caf/actor_cast.hpp"
#include "caf/message_id.hpp"
#include "caf/scheduler/abstract_coordinator.hpp"

namespace actorhub::caf_internals {

inline_unit::inline_unit(caf::actor_system& sys) : caf::execution_unit(&sys) {}

inline_unit& inline_unit::local(caf::actor_system& sys) {
  // Never freed: an actor last run here keeps a pointer to its unit until its next turn, so the unit must
  // outlive every actor (it is a few bytes per thread).
  thread_local inline_unit* unit = nullptr;
  if (!unit) unit = new inline_unit(sys);
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

void inline_unit::exec_later(caf::resumable* job) {
  // The reference CAF added for the scheduled job travels with it (released in run() or by the scheduler).
  if (capturing_) {
    captured_ = job;
    capturing_ = false;
    return;
  }
  system().scheduler().enqueue(job);
}

void inline_unit::run(caf::resumable* job) {
  running_ = true;
  auto result = job->resume(this, max_throughput);
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
