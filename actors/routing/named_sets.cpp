// See named_sets.hpp.
#include "actors/routing/named_sets.hpp"

#include <cassert>

namespace actorhub::routing {

named_sets::named_sets() : index_(name_of{this}) {}

named_sets::ref named_sets::add(std::string_view name, slot member) {
  auto set = index_.find(name);
  if (set == no_slot) {
    if (!free_.empty()) {
      set = free_.back();
      free_.pop_back();
    } else {
      set = static_cast<std::uint32_t>(sets_.size());
      sets_.emplace_back();
    }
    sets_[set].name.assign(name.data(), name.size());
    sets_[set].members.push_back(member);  // before insert(): a live set is one with members
    index_.insert(set);
    return {set, 0};
  }
  auto& members = sets_[set].members;
  members.push_back(member);
  return {set, static_cast<std::uint32_t>(members.size() - 1)};
}

std::optional<slot> named_sets::remove(ref r) {
  assert(r.valid() && r.set < sets_.size() && r.index < sets_[r.set].members.size());
  auto& s = sets_[r.set];
  std::optional<slot> moved;
  if (r.index + 1 != s.members.size()) {
    s.members[r.index] = s.members.back();
    moved = s.members[r.index];
  }
  s.members.pop_back();
  if (s.members.empty()) {
    index_.erase(s.name);
    s.name.clear();
    s.name.shrink_to_fit();
    s.members.shrink_to_fit();
    free_.push_back(r.set);
  }
  return moved;
}

}  // namespace actorhub::routing
