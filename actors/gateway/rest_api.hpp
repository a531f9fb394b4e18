// The gateway's REST API v1 (Azure SignalR Service's paths; docs/rest-api.md) on the client endpoint. Each request
// is authorised here (Bearer JWT, HS256 with the access key, `aud` = the request URL without query, `exp` in the
// future), parsed, and handed to the gateway actor as one rest_call. Internal.
#pragma once

#include <memory>
#include <string>

#include <caf/actor.hpp>

#include <actorhub/http_types.hpp>

namespace actorhub {
class gateway_metrics;
}

namespace actorhub::gateway {

struct rest_settings {
  caf::actor gateway;
  std::string key;
  std::shared_ptr<std::string> client_base;  // "http://host:port"
  gateway_metrics* metrics = nullptr;
};

// The handler of "/api/v1/hubs/" routes.
http_handler make_rest_handler(rest_settings settings);

}  // namespace actorhub::gateway
