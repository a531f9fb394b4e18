// The hub protocol handshake: `{"protocol":"json","version":1}` 0x1E, always JSON (HubProtocol.md).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace actorhub {

struct handshake_request {
  std::string protocol;
  int version = 0;
};

struct handshake_parse {
  enum state_t { incomplete, complete, invalid } state = incomplete;
  handshake_request request;  // when complete
  std::string error;          // when invalid
  std::size_t consumed = 0;   // bytes of the input used by the handshake record (incl. 0x1E) when complete
};

// Looks for the first 0x1E-terminated record in `in`; `max_size` bounds an incomplete record.
handshake_parse parse_handshake(std::string_view in, std::size_t max_size);

// `{}` 0x1E, or `{"error":"..."}` 0x1E.
std::string handshake_response(const std::optional<std::string>& error = std::nullopt);

}  // namespace actorhub
