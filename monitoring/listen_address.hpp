// Parses the "HOST:PORT" flag values used by --metrics (and friends) into an IPv4 address and port.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace actorhub {

struct listen_address {
  std::string host;  // dotted IPv4, "localhost" already mapped to 127.0.0.1
  std::uint16_t port = 0;
};

// nullopt when the text is not "IPv4:PORT" / "localhost:PORT" with PORT in 0..65535.
std::optional<listen_address> parse_listen_address(std::string_view text);

}  // namespace actorhub
