// Named sets of connection slots: the users of a hub (a connection is in at most one) and its groups (in any
// number). Each set stores its name once and its members densely, so a fan-out walks one array. A member's
// position in its set is handed out as a `ref`, which the owner of the members (the registry) keeps to remove
// it in O(1). Not thread-safe. Internal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/routing/name_table.hpp"

namespace actorhub::routing {

using slot = std::uint32_t;
constexpr std::uint32_t no_slot = ~std::uint32_t{0};

class named_sets {
 public:
  // Where a member sits: set `set`, position `index` in its member array.
  struct ref {
    std::uint32_t set = no_slot;
    std::uint32_t index = 0;
    bool valid() const noexcept { return set != no_slot; }
  };

  named_sets();
  named_sets(const named_sets&) = delete;
  named_sets& operator=(const named_sets&) = delete;

  // Adds `member` to the set `name` (created on demand). The caller guarantees it is not a member yet.
  ref add(std::string_view name, slot member);
  // Removes the member at `r`; the set goes when it becomes empty. When the set's last member was moved into
  // the freed position, returns that member: its ref now has index `r.index`.
  std::optional<slot> remove(ref r);

  // The set called `name`, or no_slot.
  std::uint32_t find(std::string_view name) const noexcept { return index_.find(name); }
  const std::vector<slot>& members(std::uint32_t set) const noexcept { return sets_[set].members; }
  std::string_view name(std::uint32_t set) const noexcept { return sets_[set].name; }
  // Non-empty sets.
  std::size_t size() const noexcept { return index_.size(); }
  bool live(std::uint32_t set) const noexcept { return set < sets_.size() && !sets_[set].members.empty(); }
  // Calls f(set) for every live set.
  template <class F>
  void for_each_set(F&& f) const {
    for (std::uint32_t i = 0; i < sets_.size(); ++i)
      if (!sets_[i].members.empty()) f(i);
  }

 private:
  struct set_record {
    std::string name;
    std::vector<slot> members;  // empty: the record is free
  };
  struct name_of {
    const named_sets* self;
    std::string_view operator()(std::uint32_t set) const noexcept { return self->sets_[set].name; }
  };

  std::vector<set_record> sets_;
  std::vector<std::uint32_t> free_;
  name_table<name_of> index_;
};

}  // namespace actorhub::routing
