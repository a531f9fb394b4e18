#include "monitoring/listen_address.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace actorhub {

std::optional<listen_address> parse_listen_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return std::nullopt;
  std::string host{text.substr(0, colon)};
  if (host == "localhost") host = "127.0.0.1";
  in_addr parsed{};
  if (inet_pton(AF_INET, host.c_str(), &parsed) != 1) return std::nullopt;

  const auto digits = text.substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size() || value > 65535) return std::nullopt;
  return listen_address{std::move(host), static_cast<std::uint16_t>(value)};
}

}  // namespace actorhub
