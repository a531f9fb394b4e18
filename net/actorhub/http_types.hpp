// Plain HTTP request/response values for custom routes, so code outside net/ needs no Beast headers.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <actorhub/connection_info.hpp>

namespace actorhub {

struct http_request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target, e.g. "/clientresult/abc?x=1"
  std::string path;    // percent-decoded path without the query
  string_pairs query;  // decoded query parameters
  string_pairs headers;  // names in lower case
  std::string body;

  std::optional<std::string> header(std::string_view name) const;
  std::optional<std::string> query_value(std::string_view name) const;
};

struct http_response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  string_pairs headers;  // extra headers (e.g. Set-Cookie may repeat)
};

// Completes a request. Callable once, from any thread.
using http_responder = std::function<void(http_response)>;
using http_handler = std::function<void(const http_request&, http_responder)>;

}  // namespace actorhub
