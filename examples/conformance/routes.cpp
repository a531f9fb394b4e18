// Health, client results over HTTP, and the negotiate redirect.
#include "routes.hpp"

#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <memory>

#include <boost/json.hpp>

#include "net/json_value.hpp"

namespace conformance {

using namespace actorhub;

namespace {

http_response text(int status, std::string body) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// A client result as plain text: numbers in decimal, strings as they are, anything else as JSON.
std::string result_text(const value& v) {
  if (auto s = v.if_string()) return *s;
  if (v.is_null()) return "";
  if (v.is_integer()) {
    if (auto i = v.to_int64()) return std::to_string(*i);
    return std::to_string(std::get<std::uint64_t>(v.get()));
  }
  if (auto d = std::get_if<double>(&v.get()); d && std::isfinite(*d)) {
    if (auto i = v.to_int64()) return std::to_string(*i);
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, *d);
    return std::string(buf, res.ptr);
  }
  std::string out;
  write_json(v, out);
  return out;
}

}  // namespace

void add_client_result_route(http_routes& http, hub_context test_hub) {
  static const std::string prefix = "/clientresult/";
  http.add_route(prefix, [test_hub](const http_request& req, http_responder respond) {
    auto id = req.path.size() > prefix.size() ? req.path.substr(prefix.size()) : std::string();
    if (id.empty() || id.find('/') != std::string::npos) return respond(text(404, "Not Found"));
    test_hub.clients().client(id).invoke("Result", {}, std::chrono::seconds(10), [respond](client_result r) {
      if (r.code == client_result::status::no_connection) return respond(text(404, r.error));
      respond(text(200, r.ok() ? result_text(r.result) : r.error));
    });
  });
}

void add_redirect_route(http_routes& http) {
  auto counter = std::make_shared<std::atomic<std::int64_t>>(0);
  http.add_route("/redirect/", [counter](const http_request& req, http_responder respond) {
    if (req.path != "/redirect/negotiate") return respond(text(404, "Not Found"));
    auto base = req.query_value("baseUrl");
    if (!base) return respond(text(400, "baseUrl is required"));
    auto n = ++*counter;
    http_response r;
    r.content_type = "application/json";
    r.body = boost::json::serialize(boost::json::object{{"url", *base + "/testhub?numRedirects=" + std::to_string(n)}});
    respond(std::move(r));
  });
}

void add_negotiate_cookies(http_routes& http) {
  http.set_negotiate_decorator([](const http_request&, http_response& res) {
    res.headers.emplace_back("Set-Cookie", "testCookie=testValue; Path=/");
    res.headers.emplace_back("Set-Cookie", "testCookie2=testValue2; Path=/");
    res.headers.emplace_back("Set-Cookie", "expiredCookie=doesntmatter; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  });
}

}  // namespace conformance
