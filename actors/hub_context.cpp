// hub_context: sends go straight to the router; answers (client results, group changes with a callback) come
// back to a short-lived actor that runs the callback.
#include <actorhub/hub_context.hpp>

#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/send.hpp"

#include "actors/detail/target_sink.hpp"
#include "actors/hub_host.hpp"
#include "actors/routing/router.hpp"

namespace actorhub {

namespace {

class context_sink : public detail::target_sink {
 public:
  context_sink(caf::actor_system& sys, router_actor router, std::chrono::milliseconds timeout)
      : sys_(sys), router_(std::move(router)), timeout_(timeout) {}

  void send(send_target t, encoded_ptr m) override {
    caf::anon_send(router_, send_atom::value, std::move(t), std::move(m));
  }

  void invoke(std::string connection_id, client_invocation inv, std::function<void(client_result)> cb) override {
    auto router = router_;
    sys_.spawn([router, id = std::move(connection_id), inv = std::move(inv), cb](caf::event_based_actor* self) {
      self->request(router, inv.timeout + std::chrono::seconds(1), invoke_atom::value, id, inv)
          .then([cb](client_result& r) { call(cb, std::move(r)); },
                [cb](caf::error& e) {
                  call(cb, e == caf::sec::request_timeout
                               ? client_result::failure(client_result::status::timeout, "Client result timed out.")
                               : client_result::failure(client_result::status::disconnected, caf::to_string(e)));
                });
    });
  }

  void change_group(bool add, std::string connection_id, std::string group, std::function<void()> done) override {
    if (!done) {
      if (add)
        caf::anon_send(router_, join_atom::value, std::move(connection_id), std::move(group));
      else
        caf::anon_send(router_, leave_atom::value, std::move(connection_id), std::move(group));
      return;
    }
    auto router = router_;
    sys_.spawn([router, add, id = std::move(connection_id), g = std::move(group), done](caf::event_based_actor* self) {
      auto run = [done] {
        try {
          done();
        } catch (...) {
        }
      };
      if (add)
        self->request(router, caf::infinite, join_atom::value, id, g)
            .then([run](ok_atom) { run(); }, [run](caf::error&) { run(); });
      else
        self->request(router, caf::infinite, leave_atom::value, id, g)
            .then([run](ok_atom) { run(); }, [run](caf::error&) { run(); });
    });
  }

  std::chrono::milliseconds default_timeout() const override { return timeout_; }
  std::optional<std::string> caller() const override { return std::nullopt; }

 private:
  static void call(const std::function<void(client_result)>& cb, client_result r) {
    try {
      cb(std::move(r));
    } catch (...) {
      // A throwing callback must not take the helper actor's thread down with it.
    }
  }

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

}  // namespace actorhub
