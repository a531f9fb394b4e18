// The gateway's client endpoint: one hub_endpoint at "/client" that serves every hub named by the `hub` query
// value (`/client/negotiate?hub=H`, `/client/?hub=H`, all transports and both protocols), and the negotiate check
// that a token was issued for exactly that URL. Internal.
#pragma once

#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/gateway/gateway_actor.hpp"
#include "net/server.hpp"

namespace actorhub {
class metrics;
}

namespace actorhub::gateway {

struct client_endpoint_settings {
  caf::actor_system* system = nullptr;
  caf::actor gateway;  // the gateway actor
  std::shared_ptr<server_directory> directory;
  // "http://host:port"; written once before clients are served (set after listen() when the port was 0)
  std::shared_ptr<std::string> client_base;
  std::shared_ptr<actorhub::metrics> metrics;
  gateway_metrics* gw_metrics = nullptr;
  std::size_t max_message_size = 32 * 1024;
};

std::shared_ptr<hub_endpoint> make_client_endpoint(client_endpoint_settings settings);

// Refuses (401) a negotiate whose token is not meant for `client_base`/client/?hub=H, and (400) one without a hub.
server::negotiate_override make_client_negotiate_check(std::shared_ptr<std::string> client_base);

// The hub a client request names (lower case), "" when none.
std::string requested_hub(const string_pairs& query);
// Whether the token's `aud` is the client URL of `hub`.
bool audience_ok(const object& claims, const std::string& client_base, const std::string& hub);

}  // namespace actorhub::gateway
