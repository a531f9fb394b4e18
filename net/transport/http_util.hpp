// Small HTTP helpers shared by the transport: case handling, request targets, cookies, random ids, tokens.
// Plain strings only (no Beast), so the code that decides about requests stays cheap to compile and to test.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <actorhub/connection_info.hpp>

namespace actorhub::transport {

// Milliseconds of a monotonic clock; every transport timestamp uses it.
inline std::int64_t now_ms() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b) noexcept;
bool istarts_with(std::string_view s, std::string_view prefix) noexcept;

// Percent-decoding; `plus_is_space` for query components. Invalid escapes are kept verbatim.
std::string percent_decode(std::string_view s, bool plus_is_space = false);

// Splits a request target into its decoded path and decoded query parameters.
struct split_target_result {
  std::string path;
  string_pairs query;
};
split_target_result split_target(std::string_view target);

// `a=1; b=2` -> {{"a","1"},{"b","2"}} (appends to `out`).
void parse_cookies(std::string_view header, string_pairs& out);

// `bytes` random bytes from the OpenSSL CSPRNG, base64url without padding.
std::string random_id(std::size_t bytes = 16);

// The access token of a request: `Authorization: Bearer X`, else the `access_token` query value.
std::optional<std::string> request_token(const string_pairs& headers, const string_pairs& query);

}  // namespace actorhub::transport
