// The registry of one hub on one process: its connections (id -> endpoint), users and groups. A plain class,
// with no actors or sockets in it; the router actor owns one and is its only user, so it needs no locking.
//
// Each connection is one record: its id (kept once, as small_id), its endpoint, and where it sits in its user's
// and its groups' member arrays. Users and groups are named_sets; membership is held once per direction
// (the set lists its members, the member lists its sets), and check() proves the two agree.
//
// Endpoint: what a send needs to reach a connection; the router stores its transport handle and actor.
// Internal.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/routing/name_table.hpp"
#include "actors/routing/named_sets.hpp"
#include "actors/routing/small_id.hpp"

namespace actorhub::routing {

template <class Endpoint>
class registry {
 public:
  registry() : ids_(id_of{this}) {}
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  // -- connections ----------------------------------------------------------------------------------------

  // Registers a connection; an earlier registration under the same id is removed first (with its user and
  // groups). `user` is "" for anonymous connections. Returns false when one was replaced.
  bool add(std::string_view id, std::string_view user, Endpoint endpoint) {
    const bool replaced = remove(id);
    slot s;
    if (!free_.empty()) {
      s = free_.back();
      free_.pop_back();
    } else {
      s = static_cast<slot>(records_.size());
      records_.emplace_back();
    }
    auto& r = records_[s];
    r.id = small_id(id);
    r.endpoint = std::move(endpoint);
    r.live = true;
    ids_.insert(s);
    if (!user.empty()) r.user = users_.add(user, s);
    return !replaced;
  }

  // Unregisters a connection: it leaves its user and every group. False when it is unknown.
  bool remove(std::string_view id) {
    auto s = ids_.find(id);
    if (s == no_slot) return false;
    auto& r = records_[s];
    if (r.groups) {
      for (auto& m : *r.groups) drop_member(groups_, m, false);
      r.groups.reset();
    }
    if (r.user.valid()) drop_member(users_, r.user, true);
    r.user = {};
    ids_.erase(id);
    r.id = small_id();
    r.endpoint = Endpoint();
    r.live = false;
    free_.push_back(s);
    if (ids_.size() == 0) release();  // the last one left: give the memory of the peak back
    return true;
  }

  const Endpoint* find(std::string_view id) const noexcept {
    auto s = ids_.find(id);
    return s == no_slot ? nullptr : &records_[s].endpoint;
  }
  bool contains(std::string_view id) const noexcept { return ids_.find(id) != no_slot; }
  std::size_t size() const noexcept { return ids_.size(); }

  // -- groups -----------------------------------------------------------------------------------------------

  // Adds a registered connection to a group (names are case-sensitive). False when the connection is unknown
  // or already a member.
  bool join(std::string_view id, std::string_view group) {
    auto s = ids_.find(id);
    if (s == no_slot) return false;
    auto& r = records_[s];
    auto g = groups_.find(group);
    if (g != no_slot && r.groups)
      for (auto& m : *r.groups)
        if (m.set == g) return false;
    if (!r.groups) r.groups = std::make_unique<std::vector<named_sets::ref>>();
    r.groups->push_back(groups_.add(group, s));
    return true;
  }

  // Removes a connection from a group. False when it was not a member.
  bool leave(std::string_view id, std::string_view group) {
    auto s = ids_.find(id);
    auto g = groups_.find(group);
    if (s == no_slot || g == no_slot) return false;
    auto& r = records_[s];
    if (!r.groups) return false;
    auto& refs = *r.groups;
    auto m = std::find_if(refs.begin(), refs.end(), [g](const named_sets::ref& x) { return x.set == g; });
    if (m == refs.end()) return false;
    auto ref = *m;
    refs.erase(m);
    if (refs.empty()) r.groups.reset();
    drop_member(groups_, ref, false);
    return true;
  }

  std::size_t group_count() const noexcept { return groups_.size(); }
  std::size_t user_count() const noexcept { return users_.size(); }
  bool has_group(std::string_view group) const noexcept { return groups_.find(group) != no_slot; }
  bool has_user(std::string_view user) const noexcept { return users_.find(user) != no_slot; }

  // -- walking targets: f(std::string_view id, const Endpoint&) ---------------------------------------------

  template <class F>
  void for_each(F&& f) const {
    for (auto& r : records_)
      if (r.live) f(r.id.view(), r.endpoint);
  }
  template <class F>
  void for_each_in_group(std::string_view group, F&& f) const {
    for_each_in(groups_, group, f);
  }
  template <class F>
  void for_each_of_user(std::string_view user, F&& f) const {
    for_each_in(users_, user, f);
  }
  // Every member of any of `groups`, once each (a connection in several of them is visited once).
  template <class F>
  void for_each_in_groups(const std::vector<std::string>& groups, F&& f) const {
    if (groups.size() == 1) return for_each_in_group(groups.front(), f);
    std::vector<slot> members;
    for (auto& name : groups)
      if (auto g = groups_.find(name); g != no_slot)
        members.insert(members.end(), groups_.members(g).begin(), groups_.members(g).end());
    std::sort(members.begin(), members.end());
    members.erase(std::unique(members.begin(), members.end()), members.end());
    for (auto s : members) f(records_[s].id.view(), records_[s].endpoint);
  }

  // -- presence ---------------------------------------------------------------------------------------------

  // The user of a registered connection ("" when anonymous or unknown).
  std::string_view user_of(std::string_view id) const noexcept {
    auto s = ids_.find(id);
    if (s == no_slot || !records_[s].user.valid()) return {};
    return users_.name(records_[s].user.set);
  }
  // The groups a registered connection is in.
  std::vector<std::string> groups_of(std::string_view id) const {
    std::vector<std::string> out;
    auto s = ids_.find(id);
    if (s != no_slot && records_[s].groups)
      for (auto& m : *records_[s].groups) out.emplace_back(groups_.name(m.set));
    return out;
  }
  std::vector<std::string> group_names() const { return names_of(groups_); }
  std::vector<std::string> user_names() const { return names_of(users_); }

  std::vector<std::string> group_members(std::string_view group) const {
    std::vector<std::string> out;
    for_each_in_group(group, [&](std::string_view id, const Endpoint&) { out.emplace_back(id); });
    return out;
  }
  // The distinct users with a connection in `group` (anonymous connections are not counted).
  std::vector<std::string> group_users(std::string_view group) const {
    std::vector<std::string> out;
    auto g = groups_.find(group);
    if (g == no_slot) return out;
    for (auto s : groups_.members(g))
      if (auto& u = records_[s].user; u.valid()) out.emplace_back(users_.name(u.set));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  // -- invariants ---------------------------------------------------------------------------------------------

  // Throws std::logic_error naming the first broken invariant. O(size of everything): tests, debug builds.
  void check() const {
    auto fail = [](const char* what) { throw std::logic_error(std::string("registry invariant: ") + what); };
    std::size_t live = 0;
    for (slot s = 0; s < records_.size(); ++s) {
      auto& r = records_[s];
      if (!r.live) {
        if (r.user.valid() || r.groups) fail("a free record has memberships");
        continue;
      }
      ++live;
      if (ids_.find(r.id.view()) != s) fail("a record is not found under its id");
      if (r.user.valid() && (!users_.live(r.user.set) || users_.members(r.user.set).at(r.user.index) != s))
        fail("a record's user ref does not point back at it");
      if (r.groups) {
        if (r.groups->empty()) fail("an empty group list is kept");
        for (auto& m : *r.groups) {
          if (!groups_.live(m.set) || groups_.members(m.set).at(m.index) != s)
            fail("a record's group ref does not point back at it");
          if (std::count_if(r.groups->begin(), r.groups->end(), [&](auto& x) { return x.set == m.set; }) != 1)
            fail("a record is in a group twice");
        }
      }
    }
    if (live != ids_.size()) fail("the id index and the records disagree on the count");
    if (live + free_.size() != records_.size()) fail("free list and records disagree");
    check_sets(users_, true, fail);
    check_sets(groups_, false, fail);
  }

 private:
  struct record {
    small_id id;
    Endpoint endpoint{};
    named_sets::ref user;  // invalid when anonymous
    std::unique_ptr<std::vector<named_sets::ref>> groups;  // null while in no group (most connections)
    bool live = false;
  };
  struct id_of {
    const registry* self;
    std::string_view operator()(std::uint32_t s) const noexcept { return self->records_[s].id.view(); }
  };

  void release() {
    std::deque<record>().swap(records_);
    std::vector<slot>().swap(free_);
    ids_.clear();
  }

  // Removes the member at `ref` from `sets` and repoints the member that moved into its place.
  void drop_member(named_sets& sets, named_sets::ref ref, bool is_user) {
    auto moved = sets.remove(ref);
    if (!moved) return;
    auto& r = records_[*moved];
    if (is_user) {
      r.user.index = ref.index;
      return;
    }
    for (auto& m : *r.groups)
      if (m.set == ref.set) m.index = ref.index;
  }

  static std::vector<std::string> names_of(const named_sets& sets) {
    std::vector<std::string> out;
    out.reserve(sets.size());
    sets.for_each_set([&](std::uint32_t set) { out.emplace_back(sets.name(set)); });
    return out;
  }

  template <class F>
  void for_each_in(const named_sets& sets, std::string_view name, F& f) const {
    auto set = sets.find(name);
    if (set == no_slot) return;
    for (auto s : sets.members(set)) f(records_[s].id.view(), records_[s].endpoint);
  }

  template <class Fail>
  void check_sets(const named_sets& sets, bool is_user, Fail& fail) const {
    std::size_t count = 0;
    sets.for_each_set([&](std::uint32_t set) {
      ++count;
      if (sets.find(sets.name(set)) != set) fail("a set is not found under its name");
      auto& members = sets.members(set);
      for (std::uint32_t i = 0; i < members.size(); ++i) {
        auto s = members[i];
        if (s >= records_.size() || !records_[s].live) fail("a set lists a free record");
        auto& r = records_[s];
        bool back = is_user ? (r.user.set == set && r.user.index == i)
                            : (r.groups && std::any_of(r.groups->begin(), r.groups->end(), [&](auto& m) {
                                 return m.set == set && m.index == i;
                               }));
        if (!back) fail("a set member does not refer back to the set");
      }
    });
    if (count != sets.size()) fail("a set's name index and its records disagree");
  }

  std::deque<record> records_;  // grows block by block: no copying, no doubled capacity
  std::vector<slot> free_;
  name_table<id_of> ids_;
  named_sets users_;
  named_sets groups_;
};

}  // namespace actorhub::routing
