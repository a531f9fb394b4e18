// Cluster routing under CAF's deterministic scheduler: three cluster routers of one hub stand for three nodes
// (linked as the node actor links them), with recording connections. Every send kind reaches each target
// exactly once, group sends reach only nodes with members, membership is in effect everywhere when its `ok`
// arrives, a lost node is forgotten, presence and client results span the nodes, and a peer that cannot keep
// up is reported.
#define CAF_SUITE cluster_routing
#include "caf/test/dsl.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/cluster/cluster_router.hpp"
#include "net/hub_connection.hpp"
#include "net/hub_protocol.hpp"

using namespace actorhub;
using namespace actorhub::cluster;

namespace {

// A connection that keeps the JSON records it is sent.
class recording_connection : public hub_connection {
 public:
  explicit recording_connection(std::string id, std::string user = "") {
    info_.connection_id = std::move(id);
    info_.user_id = std::move(user);
    info_.protocol = "json";
  }
  const connection_info& info() const noexcept override { return info_; }
  const hub_protocol& protocol() const noexcept override { return json_protocol(); }
  bool send(const encoded_ptr& msg) override {
    records.push_back(*msg->bytes(json_protocol()));
    return true;
  }
  void close(std::optional<std::string>, bool) override { closed = true; }

  // How many records mention `text`.
  std::size_t got(const std::string& text) const {
    std::size_t n = 0;
    for (auto& r : records) n += r.find(text) != std::string::npos;
    return n;
  }

  connection_info info_;
  std::vector<std::string> records;
  bool closed = false;
};

encoded_ptr message(const std::string& text) {
  return encode(invocation_message{{}, std::nullopt, "Send", array{value(text)}, {}});
}

// A connection actor that answers every client result with its own id.
caf::behavior answering_actor(caf::event_based_actor*, std::string id) {
  return {[id](invoke_atom, client_invocation&) { return client_result{client_result::status::ok, value(id), {}}; }};
}

struct cluster_fixture : test_coordinator_fixture<> {
  struct node {
    std::string tag;
    cluster_router_actor router;
    std::map<std::string, std::shared_ptr<recording_connection>> conns;
  };
  std::map<std::string, node> nodes;
  caf::actor node_actor;  // receives peer_fail reports
  std::vector<std::string> failures;

  cluster_fixture() {
    node_actor = sys.spawn([this](caf::event_based_actor*) -> caf::behavior {
      return {[this](peer_fail_atom, const std::string& name, std::uint64_t, const std::string&) {
        failures.push_back(name);
      }};
    });
    for (auto t : {"A", "B", "C"}) add_node(t);
    for (auto& [a, na] : nodes)
      for (auto& [b, nb] : nodes)
        if (a != b) link(a, b);
    run();
  }

  ~cluster_fixture() override {
    for (auto& [t, n] : nodes) self->send(n.router, shutdown_atom::value);
    for (auto& a : spawned) self->send_exit(a, caf::exit_reason::user_shutdown);
    self->send_exit(node_actor, caf::exit_reason::user_shutdown);
    run();
  }

  std::vector<caf::actor> spawned;

  void add_node(const std::string& tag, std::size_t window = 8 * 1024 * 1024) {
    router_settings s;
    s.hub = "h";
    s.node_name = "node-" + tag;
    s.tag = tag;
    s.node_actor = node_actor;
    s.window_bytes = window;
    nodes[tag] = node{tag, spawn_cluster_router(sys, std::move(s)), {}};
  }

  // Tells router `a` about node `b` (as a's node actor does once b is admitted).
  void link(const std::string& a, const std::string& b) {
    auto& nb = nodes.at(b);
    self->send(nodes.at(a).router, peer_up_atom::value,
               peer_info{"node-" + b, 1, b, caf::actor_cast<caf::actor>(nb.router), sys.node()});
  }

  recording_connection& connect(const std::string& tag, const std::string& id, const std::string& user = "") {
    auto c = std::make_shared<recording_connection>(tag + "." + id, user);
    auto actor = sys.spawn(answering_actor, c->info_.connection_id);
    spawned.push_back(actor);
    self->send(nodes.at(tag).router, attach_atom::value, connection_entry{c->info_.connection_id, user, c, actor});
    run();
    auto& ref = *c;
    nodes.at(tag).conns[c->info_.connection_id] = std::move(c);
    return ref;
  }

  void send(const std::string& from, send_target t, const std::string& text) {
    self->send(nodes.at(from).router, send_atom::value, std::move(t), message(text));
    run();
  }

  // Changes a membership through node `via`; true when its `ok` arrived.
  bool group(const std::string& via, bool join, const std::string& conn, const std::string& g) {
    auto rp = self->request(nodes.at(via).router, caf::infinite, group_atom::value, join, conn, g);
    run();
    bool ok = false;
    rp.receive([&](ok_atom) { ok = true; }, [&](caf::error& e) { CAF_FAIL(caf::to_string(e)); });
    return ok;
  }

  presence_result ask(const std::string& via, presence_query q) {
    auto rp = self->request(nodes.at(via).router, caf::infinite, presence_atom::value, std::move(q));
    run();
    presence_result out;
    rp.receive([&](presence_result& r) { out = std::move(r); }, [&](caf::error& e) { CAF_FAIL(caf::to_string(e)); });
    return out;
  }

  // Total records mentioning `text` over every connection.
  std::size_t total(const std::string& text) {
    std::size_t n = 0;
    for (auto& [t, nd] : nodes)
      for (auto& [id, c] : nd.conns) n += c->got(text);
    return n;
  }
};

}  // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_routing_tests, cluster_fixture)

CAF_TEST(all reaches every connection of every node exactly once) {
  auto& a1 = connect("A", "1");
  auto& b1 = connect("B", "1");
  auto& c1 = connect("C", "1");
  auto& c2 = connect("C", "2");
  send("A", send_target::all(), "m-all");
  CAF_CHECK_EQUAL(a1.got("m-all"), 1u);
  CAF_CHECK_EQUAL(b1.got("m-all"), 1u);
  CAF_CHECK_EQUAL(c1.got("m-all"), 1u);
  CAF_CHECK_EQUAL(c2.got("m-all"), 1u);
  send("B", send_target::all({"C.1", "A.1"}), "m-except");
  CAF_CHECK_EQUAL(total("m-except"), 2u);
  CAF_CHECK_EQUAL(b1.got("m-except") + c2.got("m-except"), 2u);
}

CAF_TEST(a snapshot that arrives before its node is admitted is applied at admission) {
  add_node("D");
  auto& d1 = connect("D", "1");
  CAF_CHECK(group("D", true, "D.1", "late"));
  link("D", "A");  // D admitted A first: its snapshot reaches A, which does not know D yet
  run();
  link("A", "D");  // now A admits D
  run();
  send("A", send_target::groups({"late"}), "m-late");
  CAF_CHECK_EQUAL(d1.got("m-late"), 1u);
}

CAF_TEST(connection sends go to the node the id names) {
  auto& a1 = connect("A", "1");
  auto& b1 = connect("B", "1");
  auto& c1 = connect("C", "1");
  send("A", send_target::connections({"C.1", "B.1", "C.1", "X.unknown"}), "m-conn");
  CAF_CHECK_EQUAL(a1.got("m-conn"), 0u);
  CAF_CHECK_EQUAL(b1.got("m-conn"), 1u);
  CAF_CHECK_EQUAL(c1.got("m-conn"), 1u);
}

CAF_TEST(users span the nodes) {
  auto& a1 = connect("A", "1", "alice");
  auto& b1 = connect("B", "1", "alice");
  auto& c1 = connect("C", "1", "bob");
  send("C", send_target::users({"alice"}), "m-alice");
  CAF_CHECK_EQUAL(a1.got("m-alice"), 1u);
  CAF_CHECK_EQUAL(b1.got("m-alice"), 1u);
  CAF_CHECK_EQUAL(c1.got("m-alice"), 0u);
  CAF_CHECK(ask("A", {presence_query::kind::user_online, "bob"}).found);
  CAF_CHECK(!ask("A", {presence_query::kind::user_online, "carol"}).found);
}

CAF_TEST(a group send reaches only nodes with members and each member once) {
  auto& a1 = connect("A", "1");
  auto& b1 = connect("B", "1");
  auto& b2 = connect("B", "2");
  connect("C", "1");
  CAF_CHECK(group("A", true, "A.1", "g"));
  CAF_CHECK(group("C", true, "B.1", "g"));  // a member on another node, added from a third one
  CAF_CHECK(group("B", true, "B.2", "g2"));
  send("C", send_target::groups({"g", "g2"}), "m-g");
  CAF_CHECK_EQUAL(a1.got("m-g"), 1u);
  CAF_CHECK_EQUAL(b1.got("m-g"), 1u);
  CAF_CHECK_EQUAL(b2.got("m-g"), 1u);
  CAF_CHECK_EQUAL(total("m-g"), 3u);
  send("C", send_target::groups({"g"}, {"B.1"}), "m-except");
  CAF_CHECK_EQUAL(total("m-except"), 1u);
  CAF_CHECK_EQUAL(a1.got("m-except"), 1u);
  // Presence of the whole cluster.
  auto members = ask("C", {presence_query::kind::group_connections, "g"});
  CAF_CHECK_EQUAL(members.names, (std::vector<std::string>{"A.1", "B.1"}));
  CAF_CHECK_EQUAL(ask("B", {presence_query::kind::connection_count, ""}).count, 4u);
  // Leaving everywhere: the group is gone from every node's directory.
  CAF_CHECK(group("C", false, "B.1", "g"));
  CAF_CHECK(group("A", false, "A.1", "g"));
  send("C", send_target::groups({"g"}), "m-empty");
  CAF_CHECK_EQUAL(total("m-empty"), 0u);
}

CAF_TEST(a lost node is forgotten and its members vanish) {
  auto& a1 = connect("A", "1");
  connect("B", "1");
  CAF_CHECK(group("B", true, "B.1", "g"));
  CAF_CHECK(group("A", true, "A.1", "g"));
  for (auto t : {"A", "C"}) self->send(nodes.at(t).router, peer_down_atom::value, std::string("node-B"), std::uint64_t{1});
  run();
  send("C", send_target::groups({"g"}), "after-loss");
  CAF_CHECK_EQUAL(a1.got("after-loss"), 1u);
  CAF_CHECK_EQUAL(total("after-loss"), 1u);
  CAF_CHECK_EQUAL(ask("C", {presence_query::kind::group_connections, "g"}).names, std::vector<std::string>{"A.1"});
}

CAF_TEST(the messages of one sender keep their order across target kinds) {
  auto& b1 = connect("B", "1");
  CAF_CHECK(group("B", true, "B.1", "g"));
  for (int i = 0; i < 20; ++i) {
    self->send(nodes.at("A").router, send_atom::value, i % 2 ? send_target::groups({"g"}) : send_target::all(),
               message("seq-" + std::to_string(i) + "-"));
  }
  run();
  CAF_REQUIRE_EQUAL(b1.records.size(), 20u);
  for (int i = 0; i < 20; ++i) CAF_CHECK(b1.records[i].find("seq-" + std::to_string(i) + "-") != std::string::npos);
}

CAF_TEST(client results cross nodes) {
  connect("B", "1");
  auto rp = self->request(nodes.at("A").router, caf::infinite, invoke_atom::value, std::string("B.1"),
                          client_invocation{"Result", {}, std::chrono::milliseconds(1000)});
  run();
  rp.receive([](client_result& r) { CAF_CHECK(r.ok() && r.result == value("B.1")); },
             [](caf::error& e) { CAF_FAIL(caf::to_string(e)); });
  auto missing = self->request(nodes.at("A").router, caf::infinite, invoke_atom::value, std::string("B.nobody"),
                               client_invocation{"Result", {}, std::chrono::milliseconds(1000)});
  run();
  missing.receive([](client_result& r) { CAF_CHECK(r.code == client_result::status::no_connection); },
                  [](caf::error& e) { CAF_FAIL(caf::to_string(e)); });
}

CAF_TEST(a node that cannot keep up is reported and the sender memory stays bounded) {
  // A tiny window toward a node D whose router never runs (a link to a dead actor, as with a frozen node).
  add_node("S", 4096);
  auto frozen = sys.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](const std::string&) {}};  // drops deliveries and never grants credit
  });
  spawned.push_back(frozen);
  self->send(nodes.at("S").router, peer_up_atom::value, peer_info{"node-D", 1, "D", frozen, sys.node()});
  run();
  for (int i = 0; i < 200; ++i) send("S", send_target::all(), std::string(100, 'x') + std::to_string(i));
  CAF_CHECK_EQUAL(failures, std::vector<std::string>{"node-D"});
}

CAF_TEST(messages from routers that are not linked are dropped) {
  auto& a1 = connect("A", "1");
  // A delivery from no linked router (here: anonymous) is ignored, even a well-formed one.
  caf::anon_send(nodes.at("A").router, r_deliver_atom::value, std::uint64_t{1}, std::string("garbage"));
  run();
  CAF_CHECK_EQUAL(a1.records.size(), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
