// Membership test for the `excluded` connection ids of a send: a linear scan for the usual one or two ids,
// a hash set for long lists. Internal.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace actorhub::routing {

class exclusion {
 public:
  explicit exclusion(const std::vector<std::string>& ids) : ids_(ids) {
    if (ids.size() > 8) set_.insert(ids.begin(), ids.end());
  }
  bool operator()(std::string_view id) const {
    if (ids_.empty()) return false;
    if (!set_.empty()) return set_.count(id) > 0;
    return std::find(ids_.begin(), ids_.end(), id) != ids_.end();
  }

 private:
  const std::vector<std::string>& ids_;
  std::unordered_set<std::string_view> set_;  // views of ids_, which outlives this
};

}  // namespace actorhub::routing
