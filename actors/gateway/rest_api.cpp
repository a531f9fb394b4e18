// See rest_api.hpp.
#include "actors/gateway/rest_api.hpp"

#include <caf/send.hpp>

#include "actors/gateway/gateway_actor.hpp"
#include "monitoring/gateway_metrics.hpp"
#include "net/access_token.hpp"
#include "net/json_value.hpp"

namespace actorhub::gateway {

namespace {

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i <= path.size()) {
    auto j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

std::string without_query(const std::string& target) {
  auto q = target.find('?');
  auto p = target.substr(0, q == std::string::npos ? target.size() : q);
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

// The token must be valid, carry `exp`, and name this URL (without query) as its audience.
bool authorised(const rest_settings& s, const http_request& req) {
  auto h = req.header("authorization");
  if (!h || h->size() < 8 || lower(h->substr(0, 7)) != "bearer ") return false;
  auto check = check_access_token(h->substr(7), s.key);
  if (!check.valid) return false;
  const value* aud = nullptr;
  bool has_exp = false;
  for (auto& [k, v] : check.claims) {
    if (k == "aud") aud = &v;
    if (k == "exp") has_exp = v.is_number();
  }
  if (!aud || !has_exp) return false;
  auto path = without_query(req.target);
  std::vector<std::string> expected{lower(*s.client_base + path)};
  if (auto host = req.header("host")) {
    expected.push_back(lower("http://" + *host + path));
    expected.push_back(lower("https://" + *host + path));
  }
  auto matches = [&](const value& a) {
    auto* str = a.if_string();
    if (!str) return false;
    auto got = lower(*str);
    while (got.size() > 1 && got.back() == '/') got.pop_back();
    for (auto& e : expected)
      if (got == e) return true;
    return false;
  };
  if (matches(*aud)) return true;
  if (auto* list = aud->if_array())
    for (auto& a : *list)
      if (matches(a)) return true;
  return false;
}

// `excluded` as Azure takes it: repeated query values (each may also be a comma-separated list).
std::vector<std::string> excluded_of(const http_request& req) {
  std::vector<std::string> out;
  for (auto& [k, v] : req.query) {
    if (k != "excluded") continue;
    std::size_t i = 0;
    while (i <= v.size()) {
      auto j = v.find(',', i);
      if (j == std::string::npos) j = v.size();
      if (j > i) out.push_back(v.substr(i, j - i));
      i = j + 1;
    }
  }
  return out;
}

// {"target":"M","arguments":[...]} -> an Invocation encoded once for every protocol.
encoded_ptr parse_payload(const std::string& body) {
  value v;
  std::string error;
  if (!parse_json(body, v, error)) return nullptr;
  auto* o = v.if_object();
  if (!o) return nullptr;
  auto* target = v.find("target");
  if (!target || !target->if_string() || target->if_string()->empty()) return nullptr;
  invocation_message inv;
  inv.target = *target->if_string();
  if (auto* args = v.find("arguments")) {
    if (auto* a = args->if_array()) inv.arguments = *a;
    else if (!args->is_null()) return nullptr;
  }
  return encode(hub_message(std::move(inv)));
}

http_response plain(int status, std::string body = {}) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

http_handler make_rest_handler(rest_settings settings) {
  auto s = std::make_shared<rest_settings>(std::move(settings));
  return [s](const http_request& req, http_responder respond) {
    auto reply = [&](int status, std::string body = {}) {
      if (s->metrics) s->metrics->rest(status);
      respond(plain(status, std::move(body)));
    };
    auto parts = split_path(req.path);  // api v1 hubs {hub} ...
    if (parts.size() < 4 || parts[0] != "api" || parts[1] != "v1" || parts[2] != "hubs") return reply(404, "Not Found");
    if (!authorised(*s, req)) {
      http_response r = plain(401, "Unauthorized");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      if (s->metrics) s->metrics->rest(401);
      return respond(std::move(r));
    }
    rest_call c;
    c.hub = lower(parts[3]);
    const auto& m = req.method;
    const bool is_get = m == "GET" || m == "HEAD";
    auto send = [&](send_target t) {
      c.what = rest_call::op::send;
      c.target = std::move(t);
      c.message = parse_payload(req.body);
      return c.message != nullptr;
    };
    const auto n = parts.size();
    if (n == 4) {
      if (m != "POST") return reply(405, "Method Not Allowed");
      if (!send(send_target::all(excluded_of(req)))) return reply(400, "Malformed body: expected {\"target\":\"M\",\"arguments\":[...]}");
    } else if (n == 6 && parts[4] == "users") {
      c.user = parts[5];
      if (m == "POST") {
        if (!send(send_target::users({c.user}))) return reply(400, "Malformed body: expected {\"target\":\"M\",\"arguments\":[...]}");
      } else if (is_get) {
        c.what = rest_call::op::user_exists;
      } else {
        return reply(405, "Method Not Allowed");
      }
    } else if (n == 6 && parts[4] == "groups") {
      c.group = parts[5];
      if (m == "POST") {
        if (!send(send_target::groups({c.group}, excluded_of(req))))
          return reply(400, "Malformed body: expected {\"target\":\"M\",\"arguments\":[...]}");
      } else if (is_get) {
        c.what = rest_call::op::group_exists;
      } else {
        return reply(405, "Method Not Allowed");
      }
    } else if (n == 6 && parts[4] == "connections") {
      c.connection_id = parts[5];
      if (m == "POST") {
        if (!send(send_target::connections({c.connection_id})))
          return reply(400, "Malformed body: expected {\"target\":\"M\",\"arguments\":[...]}");
      } else if (is_get) {
        c.what = rest_call::op::connection_exists;
      } else if (m == "DELETE") {
        c.what = rest_call::op::close_connection;
        if (auto r = req.query_value("reason")) c.reason = *r;
      } else {
        return reply(405, "Method Not Allowed");
      }
    } else if (n == 8 && parts[4] == "groups" && parts[6] == "connections") {
      c.group = parts[5];
      c.connection_id = parts[7];
      if (m == "PUT") c.what = rest_call::op::add_to_group;
      else if (m == "DELETE") c.what = rest_call::op::remove_from_group;
      else return reply(405, "Method Not Allowed");
    } else {
      return reply(404, "Not Found");
    }
    c.respond = std::move(respond);
    caf::anon_send(s->gateway, g_rest_atom::value, std::move(c));
  };
}

}  // namespace actorhub::gateway
