// The built-in hub protocols and their lookup (net/hub_protocol.hpp).
#include "net/json_protocol.hpp"
#include "net/msgpack_protocol.hpp"
#include "net/string_pairs.hpp"

namespace actorhub {

const hub_protocol& json_protocol() noexcept {
  static const json_hub_protocol instance;
  return instance;
}

const hub_protocol& messagepack_protocol() noexcept {
  static const messagepack_hub_protocol instance;
  return instance;
}

// Names as clients send them in the handshake; ASP.NET Core matches them ignoring case.
const hub_protocol* find_protocol(std::string_view name) noexcept {
  if (iequals_ascii(name, "json")) return &json_protocol();
  if (iequals_ascii(name, "messagepack")) return &messagepack_protocol();
  return nullptr;
}

const hub_protocol& protocol_for(protocol_kind k) noexcept {
  return k == protocol_kind::messagepack ? messagepack_protocol() : json_protocol();
}

}  // namespace actorhub
