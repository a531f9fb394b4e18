// Sends to every target kind reach exactly the right connections, exactly once, with one encoding.
#define CAF_SUITE targets
#include "fixture.hpp"

#include "actors/routing/local_router.hpp"
#include <actorhub/hub_context.hpp>

using namespace actorhub;
using namespace actorhub::test;

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : s) {
    if (ch == ',') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

hub make_hub() {
  hub h("test");
  // To(kind, names, message): kind selects the target of IHubClients; names is a comma-separated list.
  h.on("To", [](hub_call& c, std::string kind, std::string names, std::string msg) {
    auto cl = c.clients();
    auto ns = split(names);
    if (kind == "all") cl.all().send("Send", msg);
    if (kind == "others") cl.others().send("Send", msg);
    if (kind == "caller") cl.caller().send("Send", msg);
    if (kind == "client") cl.client(ns.at(0)).send("Send", msg);
    if (kind == "clients") cl.clients(ns).send("Send", msg);
    if (kind == "all_except") cl.all_except(ns).send("Send", msg);
    if (kind == "group") cl.group(ns.at(0)).send("Send", msg);
    if (kind == "groups") cl.groups(ns).send("Send", msg);
    if (kind == "group_except") cl.group_except(ns.at(0), {ns.begin() + 1, ns.end()}).send("Send", msg);
    if (kind == "others_in_group") cl.others_in_group(ns.at(0)).send("Send", msg);
    if (kind == "user") cl.user(ns.at(0)).send("Send", msg);
    if (kind == "users") cl.users(ns).send("Send", msg);
  });
  h.on("Join", [](hub_call& c, std::string g) { c.groups().add(c.connection_id(), g); });
  h.on("Leave", [](hub_call& c, std::string g) { c.groups().remove(c.connection_id(), g); });
  h.on("AddTo", [](hub_call& c, std::string id, std::string g) { c.groups().add(id, g); });
  h.on("RemoveFrom", [](hub_call& c, std::string id, std::string g) { c.groups().remove(id, g); });
  return h;
}

struct targets_fixture : hub_fixture {
  client* a;
  client* b;
  client* c;
  client* d;
  int counter = 0;

  targets_fixture() {
    start(make_hub());
    a = &connect("A", "alice");
    b = &connect("B", "alice");
    c = &connect("C", "bob");
    d = &connect("D");
  }

  // Counts of `msg` in A, B, C, D as a string like "1101".
  std::string got(const std::string& msg) {
    std::string out;
    for (auto* x : {a, b, c, d}) {
      std::size_t n = 0;
      for (auto& args : (*x)->calls("Send"))
        if (args.size() == 1 && args[0] == value(msg)) ++n;
      out += std::to_string(n);
    }
    return out;
  }

  std::string send(client& from, const std::string& kind, const std::string& names) {
    auto msg = kind + "-" + std::to_string(++counter);
    auto id = "i" + std::to_string(counter);
    invoke(from, id, "To", {kind, names, msg});
    CAF_CHECK(from->completion(id) != nullptr);
    return got(msg);
  }

  void call(client& from, const std::string& method, array args) {
    auto id = "g" + std::to_string(++counter);
    invoke(from, id, method, std::move(args));
    auto done = from->completion(id);
    CAF_REQUIRE(done != nullptr);
    CAF_CHECK(!done->error);
  }
};

}  // namespace

CAF_TEST_FIXTURE_SCOPE(target_tests, targets_fixture)

CAF_TEST(connection and user targets) {
  CAF_CHECK_EQUAL(send(*a, "all", ""), "1111");
  CAF_CHECK_EQUAL(send(*b, "others", ""), "1011");
  CAF_CHECK_EQUAL(send(*c, "caller", ""), "0010");
  CAF_CHECK_EQUAL(send(*a, "client", "D"), "0001");
  CAF_CHECK_EQUAL(send(*a, "client", "nobody"), "0000");
  CAF_CHECK_EQUAL(send(*a, "clients", "B,D,B,nobody"), "0101");
  CAF_CHECK_EQUAL(send(*a, "all_except", "A,C"), "0101");
  CAF_CHECK_EQUAL(send(*d, "user", "alice"), "1100");
  CAF_CHECK_EQUAL(send(*d, "user", "nobody"), "0000");
  CAF_CHECK_EQUAL(send(*d, "users", "alice,bob,alice"), "1110");
}

CAF_TEST(group targets) {
  call(*a, "Join", {"g1"});
  call(*b, "Join", {"g1"});
  call(*b, "Join", {"g2"});
  call(*c, "Join", {"g2"});
  CAF_CHECK_EQUAL(send(*d, "group", "g1"), "1100");
  CAF_CHECK_EQUAL(send(*d, "group", "none"), "0000");
  // B is in both groups and still gets one copy.
  CAF_CHECK_EQUAL(send(*d, "groups", "g1,g2,g1,none"), "1110");
  CAF_CHECK_EQUAL(send(*d, "group_except", "g1,A"), "0100");
  CAF_CHECK_EQUAL(send(*b, "others_in_group", "g2"), "0010");
  CAF_CHECK_EQUAL(send(*a, "others_in_group", "g2"), "0110");  // the caller need not be a member
}

CAF_TEST(the invocations of one connection deliver in order across target paths) {
  call(*a, "Join", {"g"});
  feed(*d, {invocation_message{{}, std::nullopt, "To", {"group", "g", "first"}, {}},
            invocation_message{{}, std::nullopt, "To", {"all", "", "second"}, {}},
            invocation_message{{}, std::nullopt, "To", {"client", "A", "third"}, {}}});
  auto calls = (*a)->calls("Send");
  CAF_REQUIRE_EQUAL(calls.size(), 3u);
  CAF_CHECK_EQUAL(calls[0], (array{"first"}));
  CAF_CHECK_EQUAL(calls[1], (array{"second"}));
  CAF_CHECK_EQUAL(calls[2], (array{"third"}));
}

CAF_TEST(one encoding shared by every recipient) {
  auto writes = protocol.writes.load();
  auto sent_before = (*a)->sent.size();
  send(*d, "all", "");
  // One Invocation encoded once, plus D's Completion.
  CAF_CHECK_EQUAL(protocol.writes.load() - writes, 2);
  auto msg = (*a)->sent.at(sent_before);
  for (auto* x : {b, c, d}) {
    auto& sent = (*x)->sent;
    auto it = std::find(sent.begin(), sent.end(), msg);
    CAF_CHECK(it != sent.end());
    auto i = static_cast<std::size_t>(it - sent.begin());
    CAF_CHECK_EQUAL((*x)->bytes.at(i).get(), (*a)->bytes.at(sent_before).get());
  }
  // The same holds for a group fan-out.
  call(*a, "Join", {"g"});
  call(*b, "Join", {"g"});
  writes = protocol.writes.load();
  send(*c, "group", "g");
  CAF_CHECK_EQUAL(protocol.writes.load() - writes, 2);
  CAF_CHECK_EQUAL((*a)->sent.back().get(), (*b)->sent.back().get());
  CAF_CHECK_EQUAL((*a)->bytes.back().get(), (*b)->bytes.back().get());
}

CAF_TEST(hub context sends from outside any method) {
  auto ctx = host->context();
  ctx.clients().all().send("Send", std::string("ctx-all"));
  ctx.clients().user("bob").send("Send", std::string("ctx-bob"));
  ctx.clients().all_except({"A"}).send("Send", std::string("ctx-except"));
  bool added = false;
  ctx.groups().add("D", "outside", [&] { added = true; });
  sched.run();
  CAF_CHECK(added);
  ctx.clients().group("outside").send("Send", std::string("ctx-group"));
  sched.run();
  CAF_CHECK_EQUAL(got("ctx-all"), "1111");
  CAF_CHECK_EQUAL(got("ctx-bob"), "0010");
  CAF_CHECK_EQUAL(got("ctx-except"), "0111");
  CAF_CHECK_EQUAL(got("ctx-group"), "0001");
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

// Another implementation of router_actor in front of the local one, as a cluster node router would be: it
// counts what crosses the boundary and forwards it.
struct boundary_counts {
  int attach = 0, detach = 0, send = 0, join = 0, leave = 0, invoke = 0;
};

router_actor::behavior_type forwarding_router(router_actor::pointer self, router_actor inner, boundary_counts* n) {
  return {
      [=](attach_atom a, connection_entry& e) -> caf::result<ok_atom> {
        ++n->attach;
        return self->delegate(inner, a, std::move(e));
      },
      [=](detach_atom a, std::string& id) {
        ++n->detach;
        self->send(inner, a, std::move(id));
      },
      [=](send_atom a, send_target& t, encoded_ptr& m) -> caf::result<ok_atom> {
        ++n->send;
        return self->delegate(inner, a, std::move(t), std::move(m));
      },
      [=](group_atom a, bool join, std::string& c, std::string& g) -> caf::result<ok_atom> {
        ++(join ? n->join : n->leave);
        return self->delegate(inner, a, join, std::move(c), std::move(g));
      },
      [=](invoke_atom a, std::string& c, client_invocation& inv) -> caf::result<client_result> {
        ++n->invoke;
        return self->delegate(inner, a, std::move(c), std::move(inv));
      },
      [=](presence_atom a, presence_query& q) -> caf::result<presence_result> {
        return self->delegate(inner, a, std::move(q));
      },
      [=](stats_atom a) -> caf::result<router_stats> { return self->delegate(inner, a); },
      [=](shutdown_atom a) {
        self->send(inner, a);
        self->quit();
      },
  };
}

struct boundary_fixture : hub_fixture {
  boundary_counts n;
  boundary_fixture() {
    start(make_hub(), [this](caf::actor_system& s, const std::string& name) {
      return s.spawn(forwarding_router, spawn_local_router(s, name), &n);
    });
  }
  ~boundary_fixture() override { teardown(); }
};

}  // namespace

CAF_TEST_FIXTURE_SCOPE(boundary_tests, boundary_fixture)

CAF_TEST(any router implementation can stand behind a hub) {
  auto& a = connect("A", "alice");
  auto& b = connect("B");
  CAF_CHECK_EQUAL(n.attach, 2);
  invoke(a, "1", "Join", {"g"});
  invoke(b, "2", "To", {"group", "g", "hello"});
  invoke(b, "3", "To", {"caller", "", "me"});  // the caller alone never crosses the boundary
  CAF_CHECK_EQUAL(n.join, 1);
  CAF_CHECK_EQUAL(n.send, 1);
  CAF_CHECK_EQUAL(a->calls("Send").size(), 1u);
  CAF_CHECK_EQUAL(b->calls("Send").size(), 1u);
  close(a);
  CAF_CHECK_EQUAL(n.detach, 1);
  CAF_CHECK_EQUAL(stats().groups, 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()

// ---------------------------------------------------------------------------------------------------------

#undef CAF_SUITE
#define CAF_SUITE groups
#include "caf/test/dsl.hpp"

CAF_TEST_FIXTURE_SCOPE(group_tests, targets_fixture)

CAF_TEST(join is idempotent and leave is harmless) {
  call(*a, "Join", {"g"});
  call(*a, "Join", {"g"});
  CAF_CHECK_EQUAL(send(*d, "group", "g"), "1000");
  call(*b, "Leave", {"g"});  // not a member
  call(*a, "Leave", {"g"});
  CAF_CHECK_EQUAL(send(*d, "group", "g"), "0000");
  call(*a, "Leave", {"g"});
  CAF_CHECK_EQUAL(stats().groups, 0u);  // an empty group is gone
}

CAF_TEST(group names are case sensitive) {
  call(*a, "Join", {"Grp"});
  call(*b, "Join", {"GRP"});
  CAF_CHECK_EQUAL(send(*d, "group", "Grp"), "1000");
  CAF_CHECK_EQUAL(send(*d, "group", "GRP"), "0100");
  CAF_CHECK_EQUAL(stats().groups, 2u);
}

CAF_TEST(membership of other connections) {
  call(*a, "AddTo", {"D", "g"});
  call(*a, "AddTo", {"C", "g"});
  call(*a, "AddTo", {"nobody", "g"});  // ignored
  CAF_CHECK_EQUAL(send(*b, "group", "g"), "0011");
  call(*b, "RemoveFrom", {"D", "g"});
  CAF_CHECK_EQUAL(send(*b, "group", "g"), "0010");
}

CAF_TEST(the completion of a group change waits for the router) {
  deliver(*a, {invocation_message{{}, "j", "Join", {"g"}, {}}});
  if (sched.has_job()) {
    sched.run_once();  // the connection actor runs the method and asks the router
    CAF_CHECK((*a)->completion("j") == nullptr);
  } else {
    // Inline dispatch: the connection actor, the router and the connection actor again (the router's ok)
    // ran one after the other on the delivering thread (inline_unit follow-ups); the Completion is out only
    // because the router took the change, which the group send below shows.
    CAF_CHECK((*a)->completion("j") != nullptr);
  }
  sched.run();
  CAF_CHECK((*a)->completion("j") != nullptr);
  CAF_CHECK_EQUAL(send(*d, "group", "g"), "1000");
}

CAF_TEST(a closed connection leaves its groups and its user) {
  call(*a, "Join", {"g"});
  call(*a, "Join", {"h"});
  call(*b, "Join", {"g"});
  close(*a);
  CAF_CHECK_EQUAL(send(*d, "group", "g"), "0100");
  CAF_CHECK_EQUAL(send(*d, "user", "alice"), "0100");
  CAF_CHECK_EQUAL(send(*d, "all", ""), "0111");
  auto s = stats();
  CAF_CHECK_EQUAL(s.connections, 3u);
  CAF_CHECK_EQUAL(s.groups, 1u);  // "h" had only A
  CAF_CHECK_EQUAL(s.users, 2u);
  close(*b);
  s = stats();
  CAF_CHECK_EQUAL(s.groups, 0u);
  CAF_CHECK_EQUAL(s.users, 1u);
  // A new member of the same group gets exactly one copy.
  call(*c, "Join", {"g"});
  CAF_CHECK_EQUAL(send(*d, "group", "g"), "0010");
}

CAF_TEST_FIXTURE_SCOPE_END()
