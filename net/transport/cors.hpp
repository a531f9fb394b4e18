// Browser security for the hub endpoints: which Origins may use negotiate, the HTTP transports and the
// WebSocket upgrade, and the CORS headers and preflight answers they get. Plain strings (no Beast).
//
// A request without Origin (not a browser) or from the server's own origin is always allowed. Otherwise the
// Origin must be listed in server_options::cors_origins (exact, case-insensitive): it then gets
// Access-Control-Allow-Origin with that origin and Access-Control-Allow-Credentials (cookies, Authorization).
// "*" in the list allows every origin, without credentials. Any other Origin is refused with 403; with an
// empty list (the default) a page on another origin cannot use the hub at all.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <actorhub/http_types.hpp>
#include <actorhub/server_options.hpp>

namespace actorhub::transport {

struct cors_decision {
  bool allowed = true;
  std::vector<std::pair<std::string, std::string>> headers;  // to add to the response
};

// `tls`: the endpoint serves https (for the same-origin comparison with the Host header).
cors_decision check_origin(const server_options& o, const http_request& req, bool tls);

// The answer to an OPTIONS preflight of a hub endpoint (204 with the allowed methods and headers, or 403).
http_response preflight(const server_options& o, const http_request& req, bool tls);

// Constant-time equality for secrets (time depends on the lengths only).
bool secret_equals(std::string_view a, std::string_view b) noexcept;

}  // namespace actorhub::transport
