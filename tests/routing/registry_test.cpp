// The registry as a plain class: every operation, the invariants after each one, and a long random run
// against a straightforward model (maps of sets).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "actors/routing/registry.hpp"
#include "actors/routing/small_id.hpp"

namespace {

using actorhub::routing::registry;
using actorhub::routing::small_id;

using reg = registry<int>;

std::vector<std::string> all_ids(const reg& r) {
  std::vector<std::string> out;
  r.for_each([&](std::string_view id, int) { out.emplace_back(id); });
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> group_ids(const reg& r, const std::string& g) {
  auto out = r.group_members(g);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> user_ids(const reg& r, const std::string& u) {
  std::vector<std::string> out;
  r.for_each_of_user(u, [&](std::string_view id, int) { out.emplace_back(id); });
  std::sort(out.begin(), out.end());
  return out;
}

using strings = std::vector<std::string>;

TEST(small_id, keeps_ids_of_every_length) {
  for (std::size_t n : {0, 1, 15, 16, 22, 23, 24, 100}) {
    std::string s(n, 'a');
    if (n) s.back() = 'z';
    small_id id(s);
    EXPECT_EQ(id.view(), s);
    EXPECT_EQ(id.on_heap(), n > small_id::inline_capacity);
    small_id moved(std::move(id));
    EXPECT_EQ(moved.view(), s);
    EXPECT_EQ(id.view(), "");
    small_id assigned;
    assigned = std::move(moved);
    EXPECT_EQ(assigned.view(), s);
  }
}

TEST(registry, add_find_remove) {
  reg r;
  EXPECT_TRUE(r.add("a", "", 1));
  EXPECT_TRUE(r.add("b", "alice", 2));
  ASSERT_NE(r.find("a"), nullptr);
  EXPECT_EQ(*r.find("b"), 2);
  EXPECT_EQ(r.find("c"), nullptr);
  EXPECT_EQ(r.size(), 2u);
  EXPECT_EQ(r.user_count(), 1u);
  EXPECT_TRUE(r.remove("a"));
  EXPECT_FALSE(r.remove("a"));
  EXPECT_EQ(all_ids(r), strings{"b"});
  r.check();
}

TEST(registry, a_reused_id_replaces_the_registration_with_its_user_and_groups) {
  reg r;
  r.add("a", "alice", 1);
  r.join("a", "g");
  EXPECT_FALSE(r.add("a", "bob", 2));
  r.check();
  EXPECT_EQ(*r.find("a"), 2);
  EXPECT_FALSE(r.has_user("alice"));
  EXPECT_TRUE(r.has_user("bob"));
  EXPECT_FALSE(r.has_group("g"));
  EXPECT_EQ(r.size(), 1u);
}

TEST(registry, groups_join_leave_idempotent_and_case_sensitive) {
  reg r;
  r.add("a", "", 1);
  r.add("b", "", 2);
  EXPECT_TRUE(r.join("a", "g"));
  EXPECT_FALSE(r.join("a", "g"));
  EXPECT_TRUE(r.join("b", "G"));
  EXPECT_FALSE(r.join("nobody", "g"));
  EXPECT_EQ(group_ids(r, "g"), strings{"a"});
  EXPECT_EQ(group_ids(r, "G"), strings{"b"});
  EXPECT_FALSE(r.leave("b", "g"));
  EXPECT_TRUE(r.leave("a", "g"));
  EXPECT_FALSE(r.has_group("g"));
  EXPECT_EQ(r.group_count(), 1u);
  r.check();
}

TEST(registry, leaving_in_any_order_keeps_the_rest) {
  reg r;
  strings ids;
  for (int i = 0; i < 12; ++i) {
    ids.push_back("member-" + std::to_string(i) + "-with-a-long-connection-id");
    r.add(ids.back(), i % 3 ? "u" : "", i);
    r.join(ids.back(), "g");
    r.join(ids.back(), "h");
  }
  for (int i : {0, 4, 11, 5}) {
    r.leave(ids[i], "g");
    r.check();
  }
  strings expect;
  for (int i = 0; i < 12; ++i)
    if (i != 0 && i != 4 && i != 11 && i != 5) expect.push_back(ids[i]);
  std::sort(expect.begin(), expect.end());
  EXPECT_EQ(group_ids(r, "g"), expect);
  EXPECT_EQ(group_ids(r, "h").size(), 12u);
  for (int i : {3, 7, 1}) {
    r.remove(ids[i]);
    r.check();
  }
  EXPECT_EQ(group_ids(r, "h").size(), 9u);
}

TEST(registry, several_groups_visit_each_member_once) {
  reg r;
  r.add("a", "", 1);
  r.add("b", "", 2);
  r.add("c", "", 3);
  for (auto* g : {"g1", "g2", "g3"}) r.join("b", g);
  r.join("a", "g1");
  int visits = 0;
  std::multiset<std::string> seen;
  r.for_each_in_groups({"g1", "g2", "g3", "g1", "none"}, [&](std::string_view id, int) {
    ++visits;
    seen.emplace(id);
  });
  EXPECT_EQ(visits, 2);
  EXPECT_EQ(seen, (std::multiset<std::string>{"a", "b"}));
}

TEST(registry, users_and_presence) {
  reg r;
  r.add("a1", "alice", 1);
  r.add("a2", "alice", 2);
  r.add("b1", "bob", 3);
  r.add("x", "", 4);
  EXPECT_EQ(user_ids(r, "alice"), (strings{"a1", "a2"}));
  for (auto* id : {"a1", "a2", "b1", "x"}) r.join(id, "room");
  EXPECT_EQ(r.group_users("room"), (strings{"alice", "bob"}));
  r.remove("a1");
  EXPECT_EQ(user_ids(r, "alice"), strings{"a2"});
  r.remove("a2");
  EXPECT_FALSE(r.has_user("alice"));
  EXPECT_EQ(r.group_users("room"), strings{"bob"});
  r.check();
}

// A long random run against a model; check() after every step.
TEST(registry, random_operations_match_a_model) {
  std::mt19937 rng(12345);
  reg r;
  std::map<std::string, std::pair<std::string, int>> conns;  // id -> (user, endpoint)
  std::map<std::string, std::set<std::string>> groups;        // group -> ids
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  auto id_of = [&](int k) { return k % 2 ? "conn-" + std::to_string(k) + "-long-enough-for-the-heap" : "c" + std::to_string(k); };
  for (int step = 0; step < 20000; ++step) {
    auto id = id_of(pick(60));
    auto group = "g" + std::to_string(pick(8));
    switch (pick(5)) {
      case 0: {
        std::string user = pick(3) ? "u" + std::to_string(pick(5)) : "";
        r.add(id, user, step);
        for (auto& [g, members] : groups) members.erase(id);
        conns[id] = {user, step};
        break;
      }
      case 1:
        EXPECT_EQ(r.remove(id), conns.erase(id) > 0);
        for (auto& [g, members] : groups) members.erase(id);
        break;
      case 2: {
        bool expect = conns.count(id) && !groups[group].count(id);
        EXPECT_EQ(r.join(id, group), expect);
        if (expect) groups[group].insert(id);
        break;
      }
      default: {
        bool expect = groups[group].erase(id) > 0;
        EXPECT_EQ(r.leave(id, group), expect);
        break;
      }
    }
    r.check();
    if (step % 997 == 0) {
      EXPECT_EQ(r.size(), conns.size());
      for (auto& [g, members] : groups) EXPECT_EQ(group_ids(r, g), strings(members.begin(), members.end()));
      for (auto& [cid, v] : conns) EXPECT_EQ(*r.find(cid), v.second);
    }
  }
}

}  // namespace
