// The CAF shell of a connection: maps its messages onto connection_runtime.
//
// Memory: this actor exists once per client connection, so what it holds is paid per connection. Its message
// handlers capture nothing and are ONE behavior object shared by every connection actor (a behavior with six
// handlers capturing the runtime was ~350 bytes per connection); a handler finds its actor through
// tracked_actor::current(), which resume() sets for the thread while the actor runs. CAF invokes handlers
// only from resume().
#include "actors/connection/connection_actor.hpp"

#include <caf/actor_cast.hpp>

#include <string>
#include <utility>

#include "actors/caf_internals/tracked_actor.hpp"
#include "actors/connection/connection_runtime.hpp"

namespace actorhub::detail {

namespace {

class connection_actor final : public caf_internals::tracked_actor {
 public:
  connection_actor(caf::actor_config& cfg, std::shared_ptr<const served_hub> served, router_actor router,
                   hub_connection_ptr conn, bool resumed)
      : tracked_actor(cfg),
        rt_(std::make_shared<connection_runtime>(this, std::move(served), std::move(router), std::move(conn),
                                                 &inflight_)) {
    // The attach request leaves now, inside hub_host::connect on the transport's thread, not when a scheduler
    // thread first runs this actor: the router registers the connection before anything the client does after
    // its handshake can reach the router (e.g. a client result asked for by id). The answer waits in the
    // mailbox until the actor runs.
    rt_->start(resumed);
  }

  const char* name() const override { return "actorhub.connection"; }

  std::atomic<std::uint32_t>& inflight() noexcept { return inflight_; }

 protected:
  caf::behavior make_behavior() override {
    set_default_handler(caf::drop);
    // A bug of ours must not leave a registered but deaf connection behind: close it and unregister.
    set_exception_handler([](caf::scheduled_actor* self, std::exception_ptr&) -> caf::error {
      auto& rt = *static_cast<connection_actor*>(self)->rt_;
      rt.connection()->close(std::string("Internal server error."));
      rt.on_closed(std::string("Internal server error."));
      return caf::make_error(caf::sec::runtime_error);
    });
    return handlers();
  }

  void on_exit() override {
    // Like a stateful actor's state: released when the actor terminates, not when its last handle goes.
    rt_.reset();
    tracked_actor::on_exit();
  }

 private:
  static connection_runtime& rt() { return *static_cast<connection_actor*>(current())->rt_; }

  static const caf::behavior& handlers() {
    static const caf::behavior shared{
        [](inbound_batch& b) { rt().on_batch(b.messages); },
        [](closed_atom, bool has_error, std::string& error) {
          rt().on_closed(has_error ? std::optional<std::string>(std::move(error)) : std::nullopt);
        },
        [](invoke_atom, client_invocation& inv) -> caf::result<client_result> {
          return rt().on_client_invocation(inv);
        },
        [](expire_atom, const std::string& id) { rt().on_result_expired(id); },
        [](moved_atom) { rt().on_moved(); },
        [](timer_atom, scheduled_call& call) { rt().run_scheduled(call); },
        [](post_atom, scheduled_call& call) { rt().run_scheduled(call); },
    };
    return shared;
  }

  std::atomic<std::uint32_t> inflight_{0};
  std::shared_ptr<connection_runtime> rt_;
};

}  // namespace

caf::actor spawn_connection_actor(caf::actor_system& sys, std::shared_ptr<const served_hub> served,
                                  router_actor router, hub_connection_ptr conn, bool resumed,
                                  caf::execution_unit* host) {
  caf::actor_config cfg{host};
  return sys.spawn_class<connection_actor, caf::lazy_init>(cfg, std::move(served), std::move(router), std::move(conn),
                                                           resumed);
}

std::atomic<std::uint32_t>& inflight_batches(const caf::actor& actor) {
  return static_cast<connection_actor*>(caf::actor_cast<caf::abstract_actor*>(actor))->inflight();
}

}  // namespace actorhub::detail
