// The CAF shell of a connection: maps its messages onto connection_runtime.
#include "actors/detail/connection_actor.hpp"

#include <string>

#include "caf/event_based_actor.hpp"
#include "caf/stateful_actor.hpp"

#include "actors/detail/connection.hpp"

namespace actorhub::detail {

namespace {

struct connection_actor_state {
  std::shared_ptr<connection_runtime> rt;
  static inline const char* name = "actorhub.connection";
};

caf::behavior connection_actor(caf::stateful_actor<connection_actor_state>* self, std::shared_ptr<const hub> def,
                               router_actor router, hub_connection_ptr conn,
                               std::shared_ptr<std::atomic<std::size_t>> inflight) {
  auto rt = std::make_shared<connection_runtime>(self, std::move(def), std::move(router), std::move(conn));
  self->state.rt = rt;
  self->set_default_handler(caf::drop);
  // A bug of ours must not leave a registered but deaf connection behind: close it and unregister.
  self->set_exception_handler([rt](caf::scheduled_actor*, std::exception_ptr&) -> caf::error {
    rt->connection()->close(std::string("Internal server error."));
    rt->on_closed(std::string("Internal server error."));
    return caf::make_error(caf::sec::runtime_error);
  });
  rt->start();
  return {
      [rt, inflight](inbound_batch& b) {
        inflight->fetch_sub(1, std::memory_order_relaxed);
        rt->on_batch(b.messages);
      },
      [rt](closed_atom, bool has_error, std::string& error) {
        rt->on_closed(has_error ? std::optional<std::string>(std::move(error)) : std::nullopt);
      },
      [rt](invoke_atom, client_invocation& inv) -> caf::result<client_result> {
        return rt->on_client_invocation(inv);
      },
      [rt](expire_atom, const std::string& id) { rt->on_result_expired(id); },
      [rt](timer_atom, scheduled_call& call) { rt->run_scheduled(call); },
      [rt](post_atom, scheduled_call& call) { rt->run_scheduled(call); },
  };
}

}  // namespace

caf::actor spawn_connection_actor(caf::actor_system& sys, std::shared_ptr<const hub> def, router_actor router,
                                  hub_connection_ptr conn, std::shared_ptr<std::atomic<std::size_t>> inflight) {
  return sys.spawn(connection_actor, std::move(def), std::move(router), std::move(conn), std::move(inflight));
}

}  // namespace actorhub::detail
