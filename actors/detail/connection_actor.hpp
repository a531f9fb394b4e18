// The connection actor: one per client connection, spawned by hub_host::connect. Internal.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>

#include "caf/actor.hpp"
#include "caf/actor_system.hpp"

#include "actors/hub.hpp"
#include "actors/router.hpp"
#include "net/hub_connection.hpp"

namespace actorhub::detail {

// `inflight` counts batches handed to the actor and not processed yet (decremented by the actor).
caf::actor spawn_connection_actor(caf::actor_system& sys, std::shared_ptr<const hub> def, router_actor router,
                                  hub_connection_ptr conn, std::shared_ptr<std::atomic<std::size_t>> inflight);

}  // namespace actorhub::detail
