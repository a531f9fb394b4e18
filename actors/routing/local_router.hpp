// The local router of one hub: the hub's registry on this process (connections, users, groups) and the fan-out
// of every send, all target kinds in one actor. Because every send of a sender passes through this one actor,
// each recipient gets one sender's messages in the order they were sent, whatever their target kinds.
// Implements router_actor (actors/routing/router.hpp).
#pragma once

#include <string>

#include <caf/actor_system.hpp>

#include "actors/routing/router.hpp"

namespace actorhub {

router_actor spawn_local_router(caf::actor_system& sys, std::string hub_name);

}  // namespace actorhub
