// The built-in hub protocols and their lookup (net/hub_protocol.hpp).
#include "net/json_protocol.hpp"

namespace actorhub {

const hub_protocol& json_protocol() noexcept {
  static const json_hub_protocol instance;
  return instance;
}

const hub_protocol* find_protocol(std::string_view name) noexcept {
  if (name == "json") return &json_protocol();
  return nullptr;  // "messagepack" lands with the MessagePack codec
}

const hub_protocol& protocol_for(protocol_kind k) noexcept {
  switch (k) {
    case protocol_kind::json:
    default:
      return json_protocol();  // messagepack: see find_protocol
  }
}

}  // namespace actorhub
