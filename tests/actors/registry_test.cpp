// The router's registry keeps each connection id once and refers to it from users and groups: these tests pin
// the bookkeeping that this sharing depends on (entries leave users and groups before they go, a reused id
// replaces the earlier registration).
#define CAF_SUITE registry
#include "fixture.hpp"

#include <actorhub/hub_context.hpp>

using namespace actorhub;
using namespace actorhub::test;

namespace {

struct registry_fixture : hub_fixture {
  registry_fixture() { start(hub("test")); }
  ~registry_fixture() override { teardown(); }

  // How many "Send" calls carrying `msg` connection `c` got.
  static std::size_t got(const client& c, const std::string& msg) {
    std::size_t n = 0;
    for (auto& args : c->calls("Send"))
      if (args.size() == 1 && args[0] == value(msg)) ++n;
    return n;
  }
};

}  // namespace

CAF_TEST_FIXTURE_SCOPE(registry_tests, registry_fixture)

CAF_TEST(a user keeps its other connections when one of them closes) {
  auto& a = connect("A-connection-id-longer-than-sso", "alice");
  auto& b = connect("B-connection-id-longer-than-sso", "alice");
  auto& c = connect("C-connection-id-longer-than-sso", "alice");
  close(b);
  auto ctx = host->context();
  ctx.clients().user("alice").send("Send", std::string("m1"));
  sched.run();
  CAF_CHECK_EQUAL(got(a, "m1"), 1u);
  CAF_CHECK_EQUAL(got(b, "m1"), 0u);
  CAF_CHECK_EQUAL(got(c, "m1"), 1u);
  close(a);
  close(c);
  auto s = stats();
  CAF_CHECK_EQUAL(s.connections, 0u);
  CAF_CHECK_EQUAL(s.users, 0u);
}

CAF_TEST(groups survive the close of members that joined before and after) {
  auto& a = connect("A-connection-id-longer-than-sso");
  auto& b = connect("B-connection-id-longer-than-sso");
  auto ctx = host->context();
  for (auto* g : {"g1", "g2", "g3"}) {
    ctx.groups().add("A-connection-id-longer-than-sso", g);
    ctx.groups().add("B-connection-id-longer-than-sso", g);
  }
  sched.run();
  close(a);
  ctx.clients().groups({"g1", "g2", "g3"}).send("Send", std::string("m2"));
  sched.run();
  CAF_CHECK_EQUAL(got(a, "m2"), 0u);
  CAF_CHECK_EQUAL(got(b, "m2"), 1u);  // once, although it is in all three groups
  CAF_CHECK_EQUAL(stats().groups, 3u);
  ctx.groups().remove("B-connection-id-longer-than-sso", "g2");
  sched.run();
  CAF_CHECK_EQUAL(stats().groups, 2u);
  close(b);
  CAF_CHECK_EQUAL(stats().groups, 0u);
}

CAF_TEST(a reused connection id replaces the earlier registration) {
  auto& first = connect("A", "alice");
  auto ctx = host->context();
  ctx.groups().add("A", "g");
  sched.run();
  auto& second = connect("A", "bob");
  auto s = stats();
  CAF_CHECK_EQUAL(s.connections, 1u);
  CAF_CHECK_EQUAL(s.users, 1u);   // alice had only the replaced registration
  CAF_CHECK_EQUAL(s.groups, 0u);  // and so had the group
  ctx.clients().user("alice").send("Send", std::string("to-alice"));
  ctx.clients().user("bob").send("Send", std::string("to-bob"));
  ctx.clients().group("g").send("Send", std::string("to-g"));
  ctx.clients().client("A").send("Send", std::string("to-A"));
  sched.run();
  CAF_CHECK_EQUAL(got(first, "to-alice") + got(second, "to-alice"), 0u);
  CAF_CHECK_EQUAL(got(second, "to-bob"), 1u);
  CAF_CHECK_EQUAL(got(first, "to-g") + got(second, "to-g"), 0u);
  CAF_CHECK_EQUAL(got(first, "to-A"), 0u);
  CAF_CHECK_EQUAL(got(second, "to-A"), 1u);
}

CAF_TEST(long exclusion lists and ids of every length) {
  // Ids up to 23 characters are kept inside the registry key, longer ones on the heap; more than 8 excluded
  // ids are looked up in a set.
  std::vector<client*> cs;
  std::vector<std::string> ids;
  for (std::size_t n : {0, 1, 14, 15, 16, 21, 22, 23, 24, 25, 40}) {
    ids.push_back(std::string(n, 'x'));
    cs.push_back(&connect(ids.back()));
  }
  auto ctx = host->context();
  std::vector<std::string> excluded(ids.begin(), ids.end() - 1);
  CAF_REQUIRE_GREATER(excluded.size(), 8u);
  ctx.clients().all_except(excluded).send("Send", std::string("last-only"));
  ctx.clients().clients(ids).send("Send", std::string("each"));
  sched.run();
  for (std::size_t i = 0; i < cs.size(); ++i) {
    CAF_CHECK_EQUAL(got(*cs[i], "last-only"), i + 1 == cs.size() ? 1u : 0u);
    CAF_CHECK_EQUAL(got(*cs[i], "each"), 1u);
  }
  CAF_CHECK_EQUAL(stats().connections, cs.size());
}

CAF_TEST(a group keeps the right members through leaves in any order) {
  // The group actor stores each id once and moves its last member into a leaver's slot.
  std::vector<client*> cs;
  std::vector<std::string> ids;
  auto ctx = host->context();
  for (int i = 0; i < 12; ++i) {
    ids.push_back("member-" + std::to_string(i) + "-with-a-long-connection-id");
    cs.push_back(&connect(ids.back()));
    ctx.groups().add(ids.back(), "g");
  }
  sched.run();
  for (int i : {0, 4, 11, 5}) ctx.groups().remove(ids[i], "g");
  sched.run();
  ctx.clients().group_except("g", {ids[1], ids[2]}).send("Send", std::string("rest"));
  sched.run();
  for (int i = 0; i < 12; ++i) {
    const bool member = i != 0 && i != 4 && i != 11 && i != 5;
    const bool excluded = i == 1 || i == 2;
    CAF_CHECK_EQUAL(got(*cs[i], "rest"), member && !excluded ? 1u : 0u);
  }
  for (int i = 0; i < 12; ++i) ctx.groups().remove(ids[i], "g");
  sched.run();
  CAF_CHECK_EQUAL(stats().groups, 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
