// Name lookups in string_pairs (headers, query, cookies). Internal to the codec library.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <actorhub/connection_info.hpp>

namespace actorhub {

inline bool iequals_ascii(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

// First value whose name equals `name` ignoring ASCII case (HTTP header names).
inline std::optional<std::string> find_pair_ci(const string_pairs& pairs, std::string_view name) {
  for (const auto& [k, v] : pairs)
    if (iequals_ascii(k, name)) return v;
  return std::nullopt;
}

// First exact match; failing that, the first match ignoring ASCII case (ASP.NET Core looks up query values
// and cookies case-insensitively, so "ID" finds "id").
inline std::optional<std::string> find_pair(const string_pairs& pairs, std::string_view name) {
  for (const auto& [k, v] : pairs)
    if (k == name) return v;
  return find_pair_ci(pairs, name);
}

}  // namespace actorhub
