// What the hub layer may know about a client connection: ids, transport, user, and the connect request.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <actorhub/value.hpp>

namespace actorhub {

using string_pairs = std::vector<std::pair<std::string, std::string>>;

struct connection_info {
  std::string connection_id;  // public id (negotiate `connectionId`), never the secret token
  std::string hub;            // hub name: its path without the leading '/', lower case ("testhub")
  std::string transport;      // "WebSockets" | "ServerSentEvents" | "LongPolling"
  std::string protocol;       // "json" | "messagepack"
  std::string user_id;        // "" when anonymous
  object claims;              // access-token claims (empty when anonymous)
  string_pairs headers;       // headers of the connect request; names in lower case
  string_pairs query;         // decoded query parameters of the connect request
  string_pairs cookies;       // cookies of the connect request

  std::optional<std::string> header(std::string_view name) const;  // case-insensitive
  std::optional<std::string> query_value(std::string_view name) const;
  std::optional<std::string> cookie(std::string_view name) const;
  const value* claim(std::string_view type) const;
  bool authenticated() const noexcept { return !user_id.empty() || !claims.empty(); }
};

}  // namespace actorhub
