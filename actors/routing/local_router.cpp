// See local_router.hpp.
#include "actors/routing/local_router.hpp"

#include <string_view>
#include <unordered_set>
#include <vector>

#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/routing/exclusion.hpp"
#include "actors/routing/registry.hpp"

namespace actorhub {

namespace {

using routing::exclusion;

// What a send needs of a connection: its transport handle; its actor answers client results.
struct endpoint {
  hub_connection_ptr conn;
  caf::actor actor;
};

struct router_state {
  std::string hub;
  routing::registry<endpoint> registry;
  static inline const char* name = "actorhub.router";
};

using router_pointer = router_actor::stateful_pointer<router_state>;

// `names` without duplicates, first occurrence first.
std::vector<std::string> unique(std::vector<std::string> names) {
  if (names.size() < 2) return names;
  std::unordered_set<std::string> seen;
  std::vector<std::string> out;
  out.reserve(names.size());
  for (auto& n : names)
    if (seen.insert(n).second) out.push_back(std::move(n));
  return out;
}

// Hands `msg` to every connection of `t` (each once, excluded ones never).
void fan_out(const routing::registry<endpoint>& reg, send_target& t, const encoded_ptr& msg) {
  exclusion skip(t.excluded);
  auto deliver = [&](std::string_view id, const endpoint& e) {
    if (!skip(id)) e.conn->send(msg);
  };
  switch (t.what) {
    case send_target::kind::all:
      reg.for_each(deliver);
      break;
    case send_target::kind::connections:
      for (auto& id : unique(std::move(t.names)))
        if (auto* e = reg.find(id)) deliver(id, *e);
      break;
    case send_target::kind::users:
      for (auto& user : unique(std::move(t.names))) reg.for_each_of_user(user, deliver);
      break;
    case send_target::kind::groups:
      reg.for_each_in_groups(t.names, deliver);
      break;
  }
}

router_actor::behavior_type router_behavior(router_pointer self, std::string hub) {
  self->state.hub = std::move(hub);
  return {
      [=](attach_atom, connection_entry& e) {
        self->state.registry.add(e.connection_id, e.user_id, endpoint{std::move(e.connection), std::move(e.actor)});
        return ok_atom::value;
      },
      [=](detach_atom, const std::string& id) { self->state.registry.remove(id); },
      [=](send_atom, send_target& t, const encoded_ptr& msg) {
        fan_out(self->state.registry, t, msg);
        return ok_atom::value;
      },
      [=](join_atom, const std::string& conn, const std::string& group) {
        self->state.registry.join(conn, group);
        return ok_atom::value;
      },
      [=](leave_atom, const std::string& conn, const std::string& group) {
        self->state.registry.leave(conn, group);
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
