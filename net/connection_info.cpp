// Lookups into the connect request of a connection (net/connection_info.hpp).
#include <actorhub/connection_info.hpp>

#include "net/string_pairs.hpp"

namespace actorhub {

std::optional<std::string> connection_info::header(std::string_view name) const {
  return find_pair_ci(headers, name);
}

std::optional<std::string> connection_info::query_value(std::string_view name) const {
  return find_pair(query, name);
}

std::optional<std::string> connection_info::cookie(std::string_view name) const {
  return find_pair(cookies, name);
}

const value* connection_info::claim(std::string_view type) const {
  for (const auto& [k, v] : claims)
    if (k == type) return &v;
  return nullptr;
}

}  // namespace actorhub
