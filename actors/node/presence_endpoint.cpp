// See presence_endpoint.hpp.
#include "actors/node/presence_endpoint.hpp"

#include <memory>
#include <vector>

#include <boost/json.hpp>

#include "net/access_token.hpp"

namespace actorhub {

namespace {

constexpr std::string_view prefix = "/actorhub/presence/";

http_response json(int status, const boost::json::value& v) {
  return http_response{status, "application/json", boost::json::serialize(v), {}};
}

std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> parts;
  while (!path.empty()) {
    auto slash = path.find('/');
    parts.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

// Without an access key the endpoint is open (enable it only where the client endpoint is trusted).
bool allowed(const http_request& req, const std::string& key) {
  if (key.empty()) return true;
  auto auth = req.header("authorization");
  if (!auth || auth->rfind("Bearer ", 0) != 0) return false;
  return check_access_token(auth->substr(7), key).valid;
}

boost::json::array to_json(const std::vector<std::string>& names) {
  boost::json::array a;
  for (auto& n : names) a.emplace_back(n);
  return a;
}

}  // namespace

void serve_presence(http_routes& http, std::string access_key,
                    std::function<hub_context(const std::string& hub)> context_of) {
  http.add_route(std::string(prefix), [key = std::move(access_key), context_of](const http_request& req,
                                                                               http_responder respond) {
    if (req.method != "GET") return respond(json(405, {{"error", "GET only"}}));
    if (!allowed(req, key)) return respond(json(401, {{"error", "a token signed with the access key is required"}}));
    auto parts = split(std::string_view(req.path).substr(prefix.size()));
    if (parts.empty()) return respond(json(404, {{"error", "no such presence query"}}));
    auto ctx = context_of(parts[0]);
    if (!ctx) return respond(json(404, {{"error", "no hub '" + parts[0] + "'"}}));
    auto p = ctx.presence();
    if (parts.size() == 2 && parts[1] == "connections")
      return p.connection_count([respond](std::uint64_t n) { respond(json(200, {{"count", n}})); });
    if (parts.size() == 3 && parts[1] == "groups") {
      auto group = parts[2];
      return p.connections_in_group(group, [p, group, respond](std::vector<std::string> ids) {
        p.users_in_group(group, [ids = std::move(ids), respond](std::vector<std::string> users) {
          respond(json(200, {{"connections", to_json(ids)}, {"users", to_json(users)}}));
        });
      });
    }
    if (parts.size() == 3 && parts[1] == "users")
      return p.user_online(parts[2], [respond](bool online) { respond(json(200, {{"online", online}})); });
    respond(json(404, {{"error", "no such presence query"}}));
  });
}

}  // namespace actorhub
