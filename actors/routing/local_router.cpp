// See local_router.hpp.
#include "actors/routing/local_router.hpp"

#include <string_view>

#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/routing/hub_registry.hpp"

namespace actorhub {

namespace {

using routing::endpoint;

struct router_state {
  std::string hub;
  routing::hub_registry registry;
  static inline const char* name = "actorhub.router";
};

using router_pointer = router_actor::stateful_pointer<router_state>;

router_actor::behavior_type router_behavior(router_pointer self, std::string hub) {
  self->state.hub = std::move(hub);
  return {
      [=](attach_atom, connection_entry& e) {
        self->state.registry.add(e.connection_id, e.user_id, endpoint{std::move(e.connection), std::move(e.actor)});
        return ok_atom::value;
      },
      [=](detach_atom, const std::string& id) { self->state.registry.remove(id); },
      [=](send_atom, send_target& t, const encoded_ptr& msg) {
        routing::fan_out(self->state.registry, t, msg);
        return ok_atom::value;
      },
      [=](group_atom, bool join, const std::string& conn, const std::string& group) {
        auto& reg = self->state.registry;
        join ? reg.join(conn, group) : reg.leave(conn, group);
        return ok_atom::value;
      },
      [=](invoke_atom, const std::string& conn, client_invocation& inv) -> caf::result<client_result> {
        auto* e = self->state.registry.find(conn);
        if (!e)
          return client_result::failure(client_result::status::no_connection,
                                        "Connection '" + conn + "' does not exist.");
        auto rp = self->make_response_promise<client_result>();
        return rp.delegate(e->actor, invoke_atom::value, std::move(inv));
      },
      [=](presence_atom, const presence_query& q) { return routing::answer_locally(self->state.registry, q); },
      [=](stats_atom) {
        auto& reg = self->state.registry;
        return router_stats{reg.size(), reg.user_count(), reg.group_count()};
      },
      [=](shutdown_atom) {
        self->state.registry.for_each([](std::string_view, const endpoint& e) {
          e.conn->close();
          caf::anon_send(e.actor, closed_atom::value, false, std::string());
        });
        self->quit(caf::exit_reason::user_shutdown);
      },
  };
}

}  // namespace

router_actor spawn_local_router(caf::actor_system& sys, std::string hub_name) {
  return sys.spawn(router_behavior, std::move(hub_name));
}

}  // namespace actorhub
