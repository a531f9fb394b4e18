// GET /actorhub/presence/... on the client endpoint: presence of a hub, answered for every process it spans.
//   /actorhub/presence/{hub}/connections           {"count":N}
//   /actorhub/presence/{hub}/groups/{group}        {"connections":[ids...],"users":[users...]}
//   /actorhub/presence/{hub}/users/{user}          {"online":true|false}
// With an access key configured, requests need `Authorization: Bearer` with a token that key signed (any
// user); without one the endpoint is open. Off unless node_options::presence_endpoint.
// Internal.
#pragma once

#include <functional>
#include <string>

#include <actorhub/http_routes.hpp>
#include <actorhub/hub_context.hpp>

namespace actorhub {

void serve_presence(http_routes& http, std::string access_key,
                    std::function<hub_context(const std::string& hub)> context_of);

}  // namespace actorhub
