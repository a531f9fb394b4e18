// "HOST:PORT" as every flag and option of actorhub spells an address (--http, --metrics, --node-bind, --join,
// --service, ...): one parser for all of them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace actorhub {

struct host_port {
  std::string host;  // a name or an IPv4 literal as written, or an IPv6 literal without its brackets
  std::uint16_t port = 0;

  // "host:port", with brackets around an IPv6 host.
  std::string text() const;
};

// HOST is letters, digits, '.', '-' (a name or an IPv4 literal) or a bracketed IPv6 literal; PORT is 0..65535
// in decimal. Anything else (empty parts, signs, spaces, trailing text) is nullopt.
std::optional<host_port> parse_host_port(std::string_view text);

// True for "localhost" and literal addresses in 127.0.0.0/8 or ::1.
bool is_loopback_host(std::string_view host);

}  // namespace actorhub
