// Moving a session between cluster routers (drain; actors/cluster/session_moves.hpp) under CAF's deterministic
// scheduler: three routers of one hub stand for three nodes; node A hands its session X (a user, a group) to
// another node while the three nodes keep sending to X (direct, group and user sends in turn), one scheduler
// step at a time so the sends interleave with every step of the move. X's records on A followed by its records
// on its new node must hold every number of every sender exactly once and in order; X keeps its user and group
// everywhere; direct sends from anywhere find it on its new node.
#define CAF_SUITE cluster_handoff
#include "caf/test/dsl.hpp"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "actors/cluster/cluster_router.hpp"
#include "net/hub_connection.hpp"
#include "net/hub_protocol.hpp"

using namespace actorhub;
using namespace actorhub::cluster;

namespace {

class recording_connection : public hub_connection {
 public:
  recording_connection(std::string id, std::string user) {
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
  void close(std::optional<std::string>, bool) override {}

  std::size_t got(const std::string& text) const {
    std::size_t n = 0;
    for (auto& r : records) n += r.find(text) != std::string::npos;
    return n;
  }

  connection_info info_;
  std::vector<std::string> records;
};

encoded_ptr message(const std::string& text) {
  return encode(invocation_message{{}, std::nullopt, "Send", array{value(text)}, {}});
}

// The numbers `sender` sent, in the order of `records` ("<b:17>" is message 17 of sender b).
std::vector<int> numbers(const std::vector<std::string>& records, const std::string& sender) {
  std::vector<int> out;
  auto key = "<" + sender + ":";
  for (auto& r : records)
    if (auto at = r.find(key); at != std::string::npos) out.push_back(std::stoi(r.substr(at + key.size())));
  return out;
}

caf::behavior idle_actor(caf::event_based_actor*) {
  return {[](invoke_atom, client_invocation&) { return client_result{}; }};
}

struct handoff_fixture : test_coordinator_fixture<> {
  struct node {
    cluster_router_actor router;
    std::vector<std::shared_ptr<recording_connection>> conns;
  };
  std::map<std::string, node> nodes;
  std::vector<caf::actor> spawned;
  // What the client endpoints were asked to do.
  std::vector<std::string> exported, closed;
  std::map<std::string, std::pair<std::string, std::shared_ptr<recording_connection>>> imported;  // id -> node, conn
  bool refuse_imports = false;

  handoff_fixture() {
    for (auto t : {"A", "B", "C"}) add_node(t);
    for (auto& [a, na] : nodes)
      for (auto& [b, nb] : nodes)
        if (a != b)
          self->send(na.router, peer_up_atom::value,
                     peer_info{"node-" + b, 1, b, caf::actor_cast<caf::actor>(nb.router), sys.node()});
    run();
  }

  ~handoff_fixture() override {
    for (auto& [t, n] : nodes) self->send(n.router, shutdown_atom::value);
    for (auto& a : spawned) self->send_exit(a, caf::exit_reason::user_shutdown);
    run();
  }

  void add_node(const std::string& tag) {
    router_settings s;
    s.hub = "h";
    s.node_name = "node-" + tag;
    s.tag = tag;
    s.export_session = [this](const std::string& token) -> std::optional<session_snapshot> {
      exported.push_back(token);
      session_snapshot snap;
      snap.connection_id = "A.x";
      snap.token = token;
      snap.hub_path = "/h";
      snap.protocol = "json";
      snap.info.user_id = "xu";
      return snap;
    };
    s.close_exported = [this](const std::string& token) { closed.push_back(token); };
    s.import_session = [this, tag](session_snapshot snap) {
      if (refuse_imports) return false;
      // As the client endpoint resumes it: a connection actor attaches to this node's router right after.
      auto c = std::make_shared<recording_connection>(snap.connection_id, snap.info.user_id);
      auto actor = sys.spawn(idle_actor);
      spawned.push_back(actor);
      imported[snap.connection_id] = {tag, c};
      caf::anon_send(nodes.at(tag).router, attach_atom::value,
                     connection_entry{snap.connection_id, snap.info.user_id, c, actor});
      return true;
    };
    nodes[tag] = node{spawn_cluster_router(sys, std::move(s)), {}};
  }

  recording_connection& connect(const std::string& tag, const std::string& id, const std::string& user) {
    auto c = std::make_shared<recording_connection>(id, user);
    auto actor = sys.spawn(idle_actor);
    spawned.push_back(actor);
    self->send(nodes.at(tag).router, attach_atom::value, connection_entry{id, user, c, actor});
    run();
    nodes.at(tag).conns.push_back(c);
    return *c;
  }

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

  void send(const std::string& from, send_target t, const std::string& text) {
    self->send(nodes.at(from).router, send_atom::value, std::move(t), message(text));
  }
};

send_target target_for(int i) {
  switch (i % 3) {
    case 0:
      return send_target::connections({"A.x"});
    case 1:
      return send_target::groups({"g"});
    default:
      return send_target::users({"xu"});
  }
}

// Node A's session X moves while A, B and C each send it `count` numbered messages; the drain starts before
// message `start`, and the scheduler runs `steps` jobs after each round of sends (so the sends interleave with
// the move's steps differently for each pair).
void move_under_traffic(handoff_fixture& f, int start, int steps) {
  auto& self = f.self;
  auto& sched = f.sched;
  auto& nodes = f.nodes;
  auto& x = f.connect("A", "A.x", "xu");
  CAF_REQUIRE(f.group("A", true, "A.x", "g"));
  constexpr int count = 300;
  std::optional<decltype(self->request(nodes.at("A").router, caf::infinite, handoff_atom::value,
                                       std::vector<std::string>{}, std::vector<std::string>{}))>
      answer;
  for (int i = 1; i <= count; ++i) {
    if (i == start)  // the drain starts while messages are on their way
      answer.emplace(self->request(nodes.at("A").router, caf::infinite, handoff_atom::value,
                                   std::vector<std::string>{"A.x"}, std::vector<std::string>{"tok-x"}));
    for (auto s : {"A", "B", "C"}) f.send(s, target_for(i), "<" + std::string(s) + ":" + std::to_string(i) + ">");
    for (int k = 0; k < steps; ++k) sched.run_once();
  }
  f.run();
  std::uint64_t moved = 0;
  answer->receive([&](std::uint64_t n) { moved = n; }, [&](caf::error& e) { CAF_FAIL(caf::to_string(e)); });
  CAF_CHECK_EQUAL(moved, 1u);
  CAF_CHECK_EQUAL(f.exported, std::vector<std::string>{"tok-x"});
  CAF_CHECK_EQUAL(f.closed, std::vector<std::string>{"tok-x"});  // the client's socket closes once the move is over
  CAF_REQUIRE_EQUAL(f.imported.count("A.x"), 1u);
  auto [where, moved_conn] = f.imported.at("A.x");
  CAF_CHECK(where == "B" || where == "C");
  CAF_MESSAGE("X moved to " << where << " after " << x.records.size() << " records on A");
  CAF_CHECK(!x.records.empty());
  CAF_CHECK(!moved_conn->records.empty());  // the move happened in the middle of the traffic
  auto all = x.records;
  all.insert(all.end(), moved_conn->records.begin(), moved_conn->records.end());
  std::vector<int> expected;
  for (int i = 1; i <= count; ++i) expected.push_back(i);
  for (auto s : {"A", "B", "C"}) {
    CAF_MESSAGE("sender " << s);
    CAF_CHECK_EQUAL(numbers(all, s), expected);
  }

  // Its user and group are where it is now, for every node; a direct send from anywhere finds it.
  CAF_CHECK_EQUAL(f.ask("C", {presence_query::kind::group_connections, "g"}).names, std::vector<std::string>{"A.x"});
  CAF_CHECK(f.ask("B", {presence_query::kind::user_online, "xu"}).found);
  for (auto s : {"A", "B", "C"}) {
    f.send(s, send_target::connections({"A.x"}), "direct-after-" + std::string(s));
    f.send(s, send_target::groups({"g"}), "group-after-" + std::string(s));
    f.send(s, send_target::users({"xu"}), "user-after-" + std::string(s));
  }
  f.run();
  for (auto s : {"A", "B", "C"})
    for (auto kind : {"direct", "group", "user"}) {
      auto text = std::string(kind) + "-after-" + s;
      CAF_CHECK_EQUAL(moved_conn->got(text), 1u);
      CAF_CHECK_EQUAL(x.got(text), 0u);
    }
  // A group change through the old node follows it.
  CAF_CHECK(f.group("A", false, "A.x", "g"));
  f.send("B", send_target::groups({"g"}), "after-leave");
  f.run();
  CAF_CHECK_EQUAL(moved_conn->got("after-leave"), 0u);
}

}  // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_handoff_tests, handoff_fixture)

CAF_TEST(a session moves with its user and groups and gets every message once and in order) {
  move_under_traffic(*this, 50, 2);
}

CAF_TEST(a move that starts early under fine-grained interleaving) {
  move_under_traffic(*this, 5, 1);
}

CAF_TEST(a move under coarse interleaving) {
  move_under_traffic(*this, 120, 5);
}

CAF_TEST(a refused session is reported and its socket closed) {
  connect("A", "A.x", "xu");
  refuse_imports = true;
  auto answer = self->request(nodes.at("A").router, caf::infinite, handoff_atom::value,
                              std::vector<std::string>{"A.x"}, std::vector<std::string>{"tok-x"});
  run();
  answer.receive([&](std::uint64_t n) { CAF_CHECK_EQUAL(n, 0u); }, [&](caf::error& e) { CAF_FAIL(caf::to_string(e)); });
  CAF_CHECK_EQUAL(closed, std::vector<std::string>{"tok-x"});
}

CAF_TEST(a move step from a router that is not linked is dropped) {
  caf::anon_send(nodes.at("B").router, r_move_atom::value, std::uint64_t{1}, std::string("garbage"));
  run();
  CAF_CHECK(imported.empty());
}

CAF_TEST_FIXTURE_SCOPE_END()
