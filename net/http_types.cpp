// Lookups into a custom-route request (net/http_types.hpp).
#include <actorhub/http_types.hpp>

#include "net/string_pairs.hpp"

namespace actorhub {

std::optional<std::string> http_request::header(std::string_view name) const {
  return find_pair_ci(headers, name);
}

std::optional<std::string> http_request::query_value(std::string_view name) const {
  return find_pair(query, name);
}

}  // namespace actorhub
