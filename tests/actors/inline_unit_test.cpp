// inline_unit: a delivery to an idle actor runs it on the delivering thread; anything else goes to the scheduler.
// Uses a real actor system (the point is which thread runs the actor), with lazily initialised actors so that
// "idle" is deterministic: their mailbox is blocked until the first message.
#define CAF_SUITE inline
#include "caf/test/unit_test.hpp"

#include <future>
#include <stdexcept>
#include <thread>

#include "caf/actor_cast.hpp"
#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/message_id.hpp"
#include "caf/spawn_options.hpp"
#include "caf/stateful_actor.hpp"

#include "actors/caf_internals/inline_unit.hpp"

using actorhub::caf_internals::inline_unit;

namespace {

struct config : caf::actor_system_config {
  config() { set("scheduler.max-threads", std::size_t{1}); }
};

}  // namespace

CAF_TEST(a delivery to an idle actor runs on the calling thread before deliver returns) {
  config cfg;
  caf::actor_system sys{cfg};
  std::thread::id ran_on;
  int seen = 0;
  auto a = sys.spawn<caf::lazy_init>([&](caf::event_based_actor*) -> caf::behavior {
    return {[&](int x) {
      ran_on = std::this_thread::get_id();
      seen = x;
    }};
  });
  inline_unit::local(sys).deliver(a, caf::make_message(42));
  CAF_CHECK_EQUAL(seen, 42);
  CAF_CHECK(ran_on == std::this_thread::get_id());
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

CAF_TEST(deliveries made while an inline run is in progress go to the scheduler) {
  config cfg;
  caf::actor_system sys{cfg};
  std::promise<std::thread::id> inner_thread;
  auto inner = sys.spawn<caf::lazy_init>([&](caf::event_based_actor*) -> caf::behavior {
    return {[&](int) { inner_thread.set_value(std::this_thread::get_id()); }};
  });
  auto fut = inner_thread.get_future();
  bool inner_done_inline = true;
  auto outer = sys.spawn<caf::lazy_init>([&](caf::event_based_actor* self) -> caf::behavior {
    return {[&, self](int) {
      // From inside a handler run by the unit: no nested inline run, the inner actor is scheduled.
      inline_unit::local(self->home_system()).deliver(inner, caf::make_message(1));
      inner_done_inline = fut.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    }};
  });
  inline_unit::local(sys).deliver(outer, caf::make_message(0));
  CAF_CHECK(!inner_done_inline);
  auto id = fut.get();  // the worker ran it
  CAF_CHECK(id != std::this_thread::get_id());
  caf::anon_send_exit(inner, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(outer, caf::exit_reason::user_shutdown);
}

namespace {

// Stateful actors named like the hub's own: the router and connection actors may run as follow-ups.
struct router_named {
  static inline const char* name = "actorhub.router";
};
struct connection_named {
  static inline const char* name = "actorhub.connection";
};

}  // namespace

CAF_TEST(a router and connection actor made runnable by an inline run follow it on the same thread) {
  config cfg;
  caf::actor_system sys{cfg};
  std::thread::id router_ran_on;
  std::thread::id reply_ran_on;
  auto router = sys.spawn<caf::lazy_init>([&](caf::stateful_actor<router_named>*) -> caf::behavior {
    return {[&](int x) {
      router_ran_on = std::this_thread::get_id();
      return x + 1;  // the reply makes the caller runnable again: a second follow-up
    }};
  });
  auto conn = sys.spawn<caf::lazy_init>([&](caf::stateful_actor<connection_named>* self) -> caf::behavior {
    return {[&, self](int x) {
      self->request(router, caf::infinite, x).then([&](int) { reply_ran_on = std::this_thread::get_id(); });
    }};
  });
  inline_unit::local(sys).deliver(conn, caf::make_message(1));
  // Both ran before deliver returned, here: no worker was woken.
  CAF_CHECK(router_ran_on == std::this_thread::get_id());
  CAF_CHECK(reply_ran_on == std::this_thread::get_id());
  caf::anon_send_exit(router, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(conn, caf::exit_reason::user_shutdown);
}

CAF_TEST(a chain runs what it makes runnable and what that makes runnable on the calling thread) {
  config cfg;
  caf::actor_system sys{cfg};
  std::thread::id first_on, second_on;
  std::promise<std::thread::id> other_on;
  auto other = sys.spawn<caf::lazy_init>([&](caf::event_based_actor*) -> caf::behavior {
    return {[&](int) { other_on.set_value(std::this_thread::get_id()); }};
  });
  auto second = sys.spawn<caf::lazy_init>([&](caf::stateful_actor<router_named>*) -> caf::behavior {
    return {[&](int) { second_on = std::this_thread::get_id(); }};
  });
  auto first = sys.spawn<caf::lazy_init>([&](caf::stateful_actor<connection_named>* self) -> caf::behavior {
    return {[&, self](int x) {
      first_on = std::this_thread::get_id();
      self->send(second, x + 1);  // through the unit that runs `first`
      self->send(other, x);       // not one of the hub's actors: the scheduler runs it
    }};
  });
  auto& unit = inline_unit::local(sys);
  unit.run_chain([&] {
    auto* target = caf::actor_cast<caf::abstract_actor*>(first);
    target->enqueue(nullptr, caf::make_message_id(), caf::make_message(1), &unit);
    // Nothing ran yet: the chain starts when the function returns.
    CAF_CHECK(first_on == std::thread::id());
  });
  CAF_CHECK(first_on == std::this_thread::get_id());
  CAF_CHECK(second_on == std::this_thread::get_id());
  CAF_CHECK(other_on.get_future().get() != std::this_thread::get_id());
  caf::anon_send_exit(first, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(second, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(other, caf::exit_reason::user_shutdown);
}

CAF_TEST(a chain whose function throws hands what it made runnable to the scheduler) {
  config cfg;
  caf::actor_system sys{cfg};
  std::promise<std::thread::id> ran;
  auto a = sys.spawn<caf::lazy_init>([&](caf::stateful_actor<connection_named>*) -> caf::behavior {
    return {[&](int) { ran.set_value(std::this_thread::get_id()); }};
  });
  auto& unit = inline_unit::local(sys);
  bool thrown = false;
  try {
    unit.run_chain([&] {
      caf::actor_cast<caf::abstract_actor*>(a)->enqueue(nullptr, caf::make_message_id(), caf::make_message(1), &unit);
      throw std::runtime_error("spawn failed");
    });
  } catch (const std::runtime_error&) {
    thrown = true;
  }
  CAF_CHECK(thrown);
  CAF_CHECK(ran.get_future().get() != std::this_thread::get_id());  // a worker ran it
  // The unit is usable again: a plain delivery still runs inline.
  int seen = 0;
  auto b = sys.spawn<caf::lazy_init>([&](caf::event_based_actor*) -> caf::behavior {
    return {[&](int x) { seen = x; }};
  });
  unit.deliver(b, caf::make_message(7));
  CAF_CHECK_EQUAL(seen, 7);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
}
