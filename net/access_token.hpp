// Access tokens: JWT signed HS256 with the server's access key (CONTRACT.md §4).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <actorhub/value.hpp>

namespace actorhub {

struct token_check {
  bool valid = false;
  std::string error;    // why not valid (for logs; clients only see 401)
  std::string user_id;  // `nameid`, else `sub`, else ""
  object claims;        // every claim of the payload, as decoded
};

// Verifies signature (HS256 only, `alg` must be HS256), `exp` and `nbf` (each with `skew` leeway).
// An empty key rejects every token.
token_check check_access_token(std::string_view token, std::string_view key,
                               std::chrono::seconds skew = std::chrono::seconds(60));

// Signs `claims` with HS256 (used by the gateway redirect and by tests).
std::string sign_access_token(const object& claims, std::string_view key);

}  // namespace actorhub
