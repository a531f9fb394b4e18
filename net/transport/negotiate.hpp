// The negotiate response body (TransportProtocols.md "POST [endpoint-base]/negotiate").
#pragma once

#include <optional>
#include <string>

namespace actorhub::transport {

struct negotiate_reply {
  std::string connection_id;
  std::optional<std::string> connection_token;  // version 1 only
  int version = 0;
  unsigned transports = 0;         // transport_set bits offered
  bool stateful_reconnect = false;  // adds "useStatefulReconnect": true
};

std::string negotiate_body(const negotiate_reply& r);
// {"error":"..."}
std::string negotiate_error_body(const std::string& error);

}  // namespace actorhub::transport
