// The connection actor: one per client connection, spawned by hub_host::connect. Internal.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/served_hub.hpp"
#include "actors/routing/router.hpp"
#include "net/hub_connection.hpp"

namespace actorhub::detail {

// `resumed`: the connection continues here from another node (no OnConnectedAsync; hub_endpoint::resume).
// `host`: the execution unit its attach request is sent through (null: CAF's scheduler). The actor is spawned
// lazily: it first runs when the router's answer arrives, not once more right after the spawn.
caf::actor spawn_connection_actor(caf::actor_system& sys, std::shared_ptr<const served_hub> served, router_actor router,
                                  hub_connection_ptr conn, bool resumed = false, caf::execution_unit* host = nullptr);

// The count of inbound batches handed to a connection actor and not processed yet (the actor decrements it).
// It lives in the actor object, so it stays valid while the caller holds `actor`.
std::atomic<std::uint32_t>& inflight_batches(const caf::actor& actor);

}  // namespace actorhub::detail
