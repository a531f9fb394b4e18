// hub_context: sends go straight to the router; answers (client results, group changes with a callback) come
// back to a short-lived actor that runs the callback.
#include <actorhub/hub_context.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "actors/connection/client_result_errors.hpp"
#include "actors/connection/target_sink.hpp"
#include "actors/hub_host.hpp"
#include "actors/routing/router.hpp"

namespace actorhub {

namespace {

// Runs a user callback on the helper actor's thread; a throwing callback must not take that thread down.
template <class F, class... Ts>
void call_safely(const F& f, Ts&&... xs) {
  try {
    f(std::forward<Ts>(xs)...);
  } catch (...) {
  }
}

class context_sink : public detail::target_sink {
 public:
  context_sink(caf::actor_system& sys, router_actor router, std::chrono::milliseconds timeout)
      : sys_(sys), router_(std::move(router)), timeout_(timeout) {}

  void send(send_target t, encoded_ptr m) override {
    caf::anon_send(router_, send_atom::value, std::move(t), std::move(m));
  }

  void invoke(std::string connection_id, client_invocation inv, std::function<void(client_result)> cb) override {
    sys_.spawn([router = router_, id = std::move(connection_id), inv = std::move(inv), cb](caf::event_based_actor* self) {
      self->request(router, inv.timeout + std::chrono::seconds(1), invoke_atom::value, id, inv)
          .then([cb](client_result& r) { call_safely(cb, std::move(r)); },
                [cb](caf::error& e) { call_safely(cb, detail::client_result_from(e)); });
    });
  }

  void change_group(bool join, std::string connection_id, std::string group, std::function<void()> done) override {
    if (!done) {
      caf::anon_send(router_, group_atom::value, join, std::move(connection_id), std::move(group));
      return;
    }
    sys_.spawn([router = router_, join, id = std::move(connection_id), g = std::move(group),
                done](caf::event_based_actor* self) {
      self->request(router, caf::infinite, group_atom::value, join, id, g)
          .then([done](ok_atom) { call_safely(done); }, [done](caf::error&) { call_safely(done); });
    });
  }

  void query(presence_query q, std::function<void(presence_result)> done) override {
    sys_.spawn([router = router_, q = std::move(q), done](caf::event_based_actor* self) {
      self->request(router, std::chrono::seconds(10), presence_atom::value, q)
          .then([done](presence_result& r) { call_safely(done, std::move(r)); },
                [done](caf::error&) { call_safely(done, presence_result{}); });
    });
  }

  std::chrono::milliseconds default_timeout() const override { return timeout_; }
  std::optional<std::string> caller() const override { return std::nullopt; }

 private:
  caf::actor_system& sys_;
  router_actor router_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::shared_ptr<detail::target_sink> make_context_sink(caf::actor_system& sys, router_actor router,
                                                     std::chrono::milliseconds client_result_timeout) {
  return std::make_shared<context_sink>(sys, std::move(router), client_result_timeout);
}

hub_context::hub_context(std::shared_ptr<detail::target_sink> sink, std::string hub_name)
    : sink_(std::move(sink)), name_(std::move(hub_name)) {}

client_targets hub_context::clients() const { return client_targets(sink_); }
group_manager hub_context::groups() const { return group_manager(sink_); }
presence hub_context::presence() const { return actorhub::presence(sink_); }

}  // namespace actorhub
