// See inline_unit.hpp.
#include "actors/caf_internals/inline_unit.hpp"

#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "caf/abstract_actor.hpp"
#include "caf/actor_cast.hpp"
#include "caf/local_actor.hpp"
#include "caf/message_id.hpp"
#include "caf/scheduler/abstract_coordinator.hpp"

namespace actorhub::caf_internals {

namespace {
thread_local inline_unit* this_thread_unit = nullptr;  // the unit local() made for this thread
}  // namespace

inline_unit::inline_unit(caf::actor_system& sys) : caf::execution_unit(&sys) {}

inline_unit& inline_unit::local(caf::actor_system& sys) {
  // Never freed: an actor last run here keeps a pointer to its unit until its next turn, so a unit must outlive
  // every actor, and its thread. All units stay reachable from this list (a few bytes per thread that ever
  // delivered), so leak checkers do not report them when their thread ends.
  static std::mutex units_mu;
  static auto* units = new std::vector<std::unique_ptr<inline_unit>>();
  if (!this_thread_unit) {
    std::lock_guard<std::mutex> lk(units_mu);
    units->emplace_back(new inline_unit(sys));
    this_thread_unit = units->back().get();
  }
  this_thread_unit->system_ = &sys;  // tests run several actor systems, one after the other
  return *this_thread_unit;
}

bool inline_unit::runs_inline(caf::resumable* job) {
  // The hub's own actors: they never block and do bounded work per message (a router's fan-out only queues
  // shared bytes). Names as given in local_router.cpp and connection_actor.cpp.
  auto* a = dynamic_cast<caf::local_actor*>(job);
  if (!a) return false;
  const char* n = a->name();
  return std::strcmp(n, "actorhub.connection") == 0 || std::strcmp(n, "actorhub.router") == 0;
}

void inline_unit::deliver(const caf::actor& dest, caf::message msg) {
  auto* target = caf::actor_cast<caf::abstract_actor*>(dest);
  if (!target) return;
  // Inside a run or a chain the job becomes a follow-up of that run instead (exec_later).
  capturing_ = !running_ && !chaining_;
  captured_ = nullptr;
  target->enqueue(nullptr, caf::make_message_id(), std::move(msg), this);
  capturing_ = false;
  auto* job = captured_;
  if (!job) return;
  captured_ = nullptr;
  follow_head_ = follow_count_ = 0;
  run(job, max_throughput);
  run_follow_ups(max_throughput);
}

void inline_unit::deliver_chain(const caf::actor& dest, caf::message msg) {
  auto* target = caf::actor_cast<caf::abstract_actor*>(dest);
  if (!target) return;
  run_chain([&] { target->enqueue(nullptr, caf::make_message_id(), std::move(msg), this); });
}

void inline_unit::run_follow_ups(std::size_t throughput) {
  // Follow-ups run one after the other (each may add more, up to the bound).
  while (follow_head_ < follow_count_) run(follow_ups_[follow_head_++], throughput);
  follow_head_ = follow_count_ = 0;
}

void inline_unit::abandon_follow_ups() {
  while (follow_head_ < follow_count_) system().scheduler().enqueue(follow_ups_[follow_head_++]);
  follow_head_ = follow_count_ = 0;
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
  if (capturing_) {
    captured_ = job;
    capturing_ = false;
    return;
  }
  if ((running_ || chaining_) && follow_count_ < max_follow_ups && runs_inline(job)) {
    follow_ups_[follow_count_++] = job;
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
