// The registry as both routers (local_router, cluster_router) use it: what a connection's entry holds, the
// local fan-out of a send, and local answers to presence questions. Internal.
#pragma once

#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "actors/routing/registry.hpp"
#include "actors/routing/router.hpp"

namespace actorhub::routing {

// What a send needs of a connection: its transport handle; its actor answers client results.
struct endpoint {
  hub_connection_ptr conn;
  caf::actor actor;
};

using hub_registry = registry<endpoint>;

// Hands `msg` to every local connection of `t` (each once, excluded ones never). Counts the recipients.
std::size_t fan_out(const hub_registry& reg, const send_target& t, const encoded_ptr& msg);

// What this process alone answers to `q`.
presence_result answer_locally(const hub_registry& reg, const presence_query& q);
// Merges another process's answer into `into` (names stay sorted and unique).
void merge(presence_result& into, const presence_result& other);

// `names` without duplicates, first occurrence first.
std::vector<std::string> unique(std::vector<std::string> names);

}  // namespace actorhub::routing
