// See hub_registry.hpp.
#include "actors/routing/hub_registry.hpp"

#include <algorithm>
#include <unordered_set>

#include "actors/routing/exclusion.hpp"

namespace actorhub::routing {

std::vector<std::string> unique(std::vector<std::string> names) {
  if (names.size() < 2) return names;
  std::unordered_set<std::string> seen;
  std::vector<std::string> out;
  out.reserve(names.size());
  for (auto& n : names)
    if (seen.insert(n).second) out.push_back(std::move(n));
  return out;
}

std::size_t fan_out(const hub_registry& reg, const send_target& t, const encoded_ptr& msg) {
  exclusion skip(t.excluded);
  std::size_t n = 0;
  auto deliver = [&](std::string_view id, const endpoint& e) {
    if (skip(id)) return;
    e.conn->send(msg);
    ++n;
  };
  switch (t.what) {
    case send_target::kind::all:
      reg.for_each(deliver);
      break;
    case send_target::kind::connections:
      for (auto& id : unique(t.names))
        if (auto* e = reg.find(id)) deliver(id, *e);
      break;
    case send_target::kind::users:
      for (auto& user : unique(t.names)) reg.for_each_of_user(user, deliver);
      break;
    case send_target::kind::groups:
      reg.for_each_in_groups(t.names, deliver);
      break;
  }
  return n;
}

presence_result answer_locally(const hub_registry& reg, const presence_query& q) {
  presence_result r;
  switch (q.what) {
    case presence_query::kind::group_connections:
      r.names = reg.group_members(q.name);
      std::sort(r.names.begin(), r.names.end());
      break;
    case presence_query::kind::group_users:
      r.names = reg.group_users(q.name);
      break;
    case presence_query::kind::connection_count:
      r.count = reg.size();
      break;
    case presence_query::kind::user_online:
      r.found = reg.has_user(q.name);
      break;
  }
  return r;
}

void merge(presence_result& into, const presence_result& other) {
  into.count += other.count;
  into.found = into.found || other.found;
  if (other.names.empty()) return;
  std::vector<std::string> all;
  all.reserve(into.names.size() + other.names.size());
  std::merge(into.names.begin(), into.names.end(), other.names.begin(), other.names.end(), std::back_inserter(all));
  all.erase(std::unique(all.begin(), all.end()), all.end());
  into.names = std::move(all);
}

}  // namespace actorhub::routing
