// libFuzzer target: an HTTP request as the server reads it: Beast's request parser with the server's header
// and body limits, then the server's own handling of the parsed request: target splitting and percent-decoding,
// query values, cookies, the access token lookup, the Origin check and the CORS preflight answer.
#include <cstddef>
#include <cstdint>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <actorhub/server_options.hpp>
#include "net/transport/cors.hpp"
#include "net/transport/http_util.hpp"

namespace http = boost::beast::http;
using namespace actorhub;
using namespace actorhub::transport;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) {
    // Not a request: the same bytes as a bare target and as a cookie header still must not break anything.
    std::string_view s(reinterpret_cast<const char*>(data), size);
    split_target(s);
    string_pairs cookies;
    parse_cookies(s, cookies);
    return 0;
  }
  const auto& req = parser.get();
  http_request r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  auto split = split_target(r.target);
  r.path = std::move(split.path);
  r.query = std::move(split.query);
  for (const auto& f : req) r.headers.emplace_back(to_lower(f.name_string()), std::string(f.value()));
  string_pairs cookies;
  for (const auto& [k, v] : r.headers)
    if (k == "cookie") parse_cookies(v, cookies);
  (void)request_token(r.headers, r.query);
  (void)r.query_value("id");
  server_options o;
  o.cors_origins = {"https://app.example", "*"};
  (void)check_origin(o, r, false);
  (void)preflight(server_options{}, r, true);
  return 0;
}
