// Who receives a send: the target sets of IHubClients, in one compact, serializable shape.
// others()          = all          except {caller}
// caller()          = connections  {caller}
// all_except(ids)   = all          except ids
// others_in_group(g)= groups {g}   except {caller}
// group_except(g,ids)= groups {g}  except ids
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace actorhub {

struct send_target {
  enum class kind : std::uint8_t { all, connections, groups, users };

  kind what = kind::all;
  std::vector<std::string> names;     // connection ids / group names / user ids; unused for `all`
  std::vector<std::string> excluded;  // connection ids that never receive the message

  static send_target all(std::vector<std::string> excluded = {}) { return {kind::all, {}, std::move(excluded)}; }
  static send_target connections(std::vector<std::string> ids) { return {kind::connections, std::move(ids), {}}; }
  static send_target groups(std::vector<std::string> names, std::vector<std::string> excluded = {}) {
    return {kind::groups, std::move(names), std::move(excluded)};
  }
  static send_target users(std::vector<std::string> ids) { return {kind::users, std::move(ids), {}}; }
};

}  // namespace actorhub
