// Origin checks and CORS headers (see cors.hpp).
#include "net/transport/cors.hpp"

#include <openssl/crypto.h>

#include "net/transport/http_util.hpp"

namespace actorhub::transport {

namespace {

bool listed(const server_options& o, std::string_view origin, bool& wildcard) {
  wildcard = false;
  for (const auto& allowed : o.cors_origins) {
    if (allowed == "*") wildcard = true;
    else if (iequals(allowed, origin)) return true;
  }
  return false;
}

// Origin "https://host:port" against the Host header and the scheme this endpoint serves.
bool same_origin(std::string_view origin, const http_request& req, bool tls) {
  auto host = req.header("host");
  if (!host || host->empty()) return false;
  std::string self = std::string(tls ? "https://" : "http://") + *host;
  if (iequals(self, origin)) return true;
  // Default ports may be left out on either side.
  std::string_view def = tls ? ":443" : ":80";
  if (host->size() > def.size() && iequals(std::string_view(*host).substr(host->size() - def.size()), def))
    return iequals(self.substr(0, self.size() - def.size()), origin);
  return iequals(self + std::string(def), origin);
}

// Header names the client asks to send: tokens only (anything else is dropped, never echoed).
std::string token_list(std::string_view s) {
  std::string out;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == ',' || c == ' ';
    if (!ok) return "authorization, content-type, x-requested-with, x-signalr-user-agent";
    out.push_back(c);
  }
  return out.substr(0, 1024);
}

}  // namespace

cors_decision check_origin(const server_options& o, const http_request& req, bool tls) {
  cors_decision d;
  auto origin = req.header("origin");
  if (!origin) return d;  // not a browser (or a same-origin GET): nothing to decide
  for (char c : *origin) {
    if (c < 0x21 || c > 0x7e) {  // an Origin is scheme://host[:port]; this one is never echoed
      d.allowed = false;
      return d;
    }
  }
  bool wildcard = false;
  bool is_listed = listed(o, *origin, wildcard);
  if (!is_listed && !wildcard && same_origin(*origin, req, tls)) return d;
  if (!is_listed && !wildcard) {
    d.allowed = false;
    return d;
  }
  d.headers.emplace_back("Access-Control-Allow-Origin", *origin);
  d.headers.emplace_back("Vary", "Origin");
  if (is_listed) d.headers.emplace_back("Access-Control-Allow-Credentials", "true");
  return d;
}

http_response preflight(const server_options& o, const http_request& req, bool tls) {
  http_response r;
  auto d = check_origin(o, req, tls);
  if (!d.allowed || !req.header("origin")) {
    r.status = 403;
    r.body = "Origin not allowed";
    r.content_type = "text/plain";
    return r;
  }
  r.status = 204;
  r.headers = std::move(d.headers);
  r.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
  if (auto h = req.header("access-control-request-headers"))
    r.headers.emplace_back("Access-Control-Allow-Headers", token_list(*h));
  r.headers.emplace_back("Access-Control-Max-Age", "600");
  return r;
}

bool secret_equals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace actorhub::transport
