// The connection actor: one per client connection, spawned by hub_host::connect. Internal.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>

#include "caf/actor.hpp"
#include "caf/actor_system.hpp"
#include "caf/fwd.hpp"

#include "actors/served_hub.hpp"
#include "actors/routing/router.hpp"
#include "net/hub_connection.hpp"

namespace actorhub::detail {

// `inflight` counts batches handed to the actor and not processed yet (decremented by the actor).
// Gives back the memory of `self`'s table of pending responses while it is empty: CAF keeps its capacity, 32
// bytes per idle connection after the registration request. `self` is a connection actor.
void release_response_table(caf::event_based_actor* self) noexcept;

caf::actor spawn_connection_actor(caf::actor_system& sys, std::shared_ptr<const served_hub> served, router_actor router,
                                  hub_connection_ptr conn, std::shared_ptr<std::atomic<std::size_t>> inflight);

}  // namespace actorhub::detail
