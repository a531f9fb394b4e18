// The local router of one hub (the "hub actor"): the registry of the hub's connections on this process,
// their users, and its groups (one group actor each). Implements router_actor (actors/router.hpp).
// all / others / client / clients / user sends go from here straight to each target's hub_connection::send;
// a group send is one message to the group actor, which does the fan-out.
#pragma once

#include <string>

#include "caf/actor_system.hpp"

#include "actors/router.hpp"

namespace actorhub {

router_actor spawn_hub_router(caf::actor_system& sys, std::string hub_name);

}  // namespace actorhub
