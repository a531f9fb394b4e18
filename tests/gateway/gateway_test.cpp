// Hosted mode under CAF's deterministic scheduler: an app server's proxy router and link actor against a stand-in
// gateway actor (local, recording what it is sent and answering as the gateway does), and the gateway's choice of
// app server for a new client.
#define CAF_SUITE gateway
#include "caf/test/dsl.hpp"

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "actors/gateway/app_link.hpp"
#include "actors/gateway/client_endpoint.hpp"
#include "actors/gateway/client_outbox.hpp"
#include "actors/gateway/gateway_actor.hpp"
#include "actors/gateway/link.hpp"
#include "net/hub_protocol.hpp"
#include "net/io_turn.hpp"
#include "net/transport/io_turn_scope.hpp"
#include "schema/gateway_wire.hpp"

using namespace actorhub;
using namespace actorhub::gateway;

namespace {

// What the stand-in gateway received, decoded, in arrival order.
using received_log = std::shared_ptr<std::vector<gwire::message>>;
// Which link actor sent each of them.
using sender_log = std::shared_ptr<std::vector<caf::actor_addr>>;

// Answers group changes with an ack and client invocations with the result 7, like the real gateway would once
// the change is in effect / the client answered.
void answer(caf::event_based_actor* self, const received_log& log, const gwire::message& one);

caf::behavior fake_gateway(caf::event_based_actor* self, received_log log, sender_log senders) {
  return {
      [=](gw_atom, const std::string& bytes) {
        auto outer = gwire::decode(bytes);
        if (!outer) return;
        std::vector<gwire::message> all;
        if (auto* b = std::get_if<gwire::batch>(&*outer)) {
          for (auto& inner : b->messages)
            if (auto m = gwire::decode(inner)) all.push_back(*m);
        } else {
          all.push_back(*outer);
        }
        for (auto& one : all) {
          senders->push_back(caf::actor_cast<caf::actor_addr>(self->current_sender()));
          answer(self, log, one);
        }
      },
  };
}

void answer(caf::event_based_actor* self, const received_log& log, const gwire::message& one) {
  log->push_back(one);
  auto sender = caf::actor_cast<caf::actor>(self->current_sender());
  if (auto* g = std::get_if<gwire::group_change>(&one))
    self->send(sender, gw_atom::value, gwire::encode(gwire::ack{g->ack_id}));
  if (auto* inv = std::get_if<gwire::client_invocation>(&one)) {
    wire::client_result r;
    r.status = wire::result_status::ok;
    r.result = "\x07";  // MessagePack 7
    self->send(sender, gw_atom::value, gwire::encode(gwire::client_result{inv->id, r}));
  }
}

struct fixture : test_coordinator_fixture<> {
  received_log log = std::make_shared<std::vector<gwire::message>>();
  sender_log senders = std::make_shared<std::vector<caf::actor_addr>>();
  caf::actor gw = sys.spawn(fake_gateway, log, senders);
  std::shared_ptr<link_shared> shared = std::make_shared<link_shared>();
  caf::actor link, link2;  // an app server with two links (--service-links 2), both linked to `gw`
  router_actor router;

  fixture() {
    shared->add_link();
    shared->add_link();
    for (std::size_t i = 0; i < 2; ++i) {
      link_settings ls;
      ls.server_id = "app-1.x";
      ls.index = i;
      ls.name = "app-1";
      ls.key = "k";
      ls.shared = shared;
      auto l = spawn_link_actor(sys, std::move(ls));
      shared->links[i]->actor = l;
      shared->links[i]->gateway = gw;
      shared->links[i]->linked = true;
      (i == 0 ? link : link2) = l;
    }
    shared->client_base = "http://127.0.0.1:8080";
    router = spawn_proxy_router(sys, "testhub", shared);
    run();
  }

  ~fixture() {
    anon_send_exit(link, caf::exit_reason::user_shutdown);
    anon_send_exit(link2, caf::exit_reason::user_shutdown);
    anon_send_exit(router, caf::exit_reason::user_shutdown);
    anon_send_exit(gw, caf::exit_reason::user_shutdown);
    run();
  }

  template <class T>
  std::vector<T> received() const {
    std::vector<T> out;
    for (auto& m : *log)
      if (auto* x = std::get_if<T>(&m)) out.push_back(*x);
    return out;
  }
};

encoded_ptr message(const std::string& text) {
  return encode(invocation_message{{}, std::nullopt, "Send", array{value(text)}, {}});
}

}  // namespace

CAF_TEST_FIXTURE_SCOPE(gateway_tests, fixture)

CAF_TEST(a send is one delivery encoded in both protocols and handed to the link before ok) {
  auto rp = self->request(router, caf::infinite, send_atom::value, send_target::groups({"room"}, {"c9"}), message("hi"));
  run();
  bool acknowledged = false;
  rp.receive([&](ok_atom) { acknowledged = true; }, [&](caf::error& e) { CAF_FAIL(caf::to_string(e)); });
  CAF_CHECK(acknowledged);
  auto d = received<gwire::hub_delivery>();
  CAF_REQUIRE_EQUAL(d.size(), 1u);
  CAF_CHECK_EQUAL(d[0].hub, "testhub");
  CAF_CHECK(d[0].delivery.kind == wire::target_kind::groups);
  CAF_CHECK_EQUAL(d[0].delivery.names, std::vector<std::string>{"room"});
  CAF_CHECK_EQUAL(d[0].delivery.excluded, std::vector<std::string>{"c9"});
  CAF_REQUIRE_EQUAL(d[0].delivery.payloads.size(), 2u);
  CAF_CHECK_EQUAL(d[0].delivery.payloads[0].protocol, "json");
  auto m = message("hi");
  CAF_CHECK_EQUAL(d[0].delivery.payloads[0].bytes, *m->bytes(json_protocol()));
  CAF_CHECK_EQUAL(d[0].delivery.payloads[1].bytes, *m->bytes(messagepack_protocol()));
}

CAF_TEST(a group change completes once the gateway acknowledged it) {
  auto rp = self->request(router, caf::infinite, group_atom::value, true, std::string("c1"), std::string("room"));
  run();
  bool done = false;
  rp.receive([&](ok_atom) { done = true; }, [&](caf::error& e) { CAF_FAIL(caf::to_string(e)); });
  CAF_CHECK(done);
  auto g = received<gwire::group_change>();
  CAF_REQUIRE_EQUAL(g.size(), 1u);
  CAF_CHECK_EQUAL(g[0].hub, "testhub");
  CAF_CHECK_EQUAL(g[0].connection_id, "c1");
  CAF_CHECK_EQUAL(g[0].group, "room");
  CAF_CHECK(g[0].join);
}

CAF_TEST(without an ack from the gateway a group change stays pending and acks from others are ignored) {
  auto silent_log = std::make_shared<std::vector<gwire::message>>();
  auto silent = sys.spawn([silent_log](caf::event_based_actor*) -> caf::behavior {
    return {[silent_log](gw_atom, const std::string& bytes) {
      auto m = gwire::decode(bytes);
      if (!m) return;
      if (auto* b = std::get_if<gwire::batch>(&*m)) {
        for (auto& inner : b->messages)
          if (auto x = gwire::decode(inner)) silent_log->push_back(*x);
      } else {
        silent_log->push_back(*m);
      }
    }};
  });
  {
    std::lock_guard<std::mutex> lk(shared->links[0]->mu);
    shared->links[0]->gateway = silent;
  }
  auto rp = self->request(router, caf::infinite, group_atom::value, false, std::string("c1"), std::string("room"));
  run();
  CAF_REQUIRE_EQUAL(silent_log->size(), 1u);
  auto id = std::get<gwire::group_change>(silent_log->front()).ack_id;
  CAF_CHECK(self->mailbox().empty());
  caf::send_as(gw, link, gw_atom::value, gwire::encode(gwire::ack{id}));  // not the gateway
  run();
  CAF_CHECK(self->mailbox().empty());
  caf::send_as(silent, link, gw_atom::value, gwire::encode(gwire::ack{id}));  // the gateway
  run();
  bool done = false;
  rp.receive([&](ok_atom) { done = true; }, [&](caf::error& e) { CAF_FAIL(caf::to_string(e)); });
  CAF_CHECK(done);
  anon_send_exit(silent, caf::exit_reason::user_shutdown);
}

CAF_TEST(a client result goes through the gateway and comes back) {
  auto rp = self->request(router, caf::infinite, invoke_atom::value, std::string("c7"),
                          client_invocation{"Result", array{value(1)}, std::chrono::milliseconds(1000)});
  run();
  std::optional<client_result> got;
  rp.receive([&](client_result& r) { got = r; }, [&](caf::error& e) { CAF_FAIL(caf::to_string(e)); });
  CAF_REQUIRE(got.has_value());
  CAF_CHECK(got->ok());
  CAF_CHECK(got->result == value(7));
  auto inv = received<gwire::client_invocation>();
  CAF_REQUIRE_EQUAL(inv.size(), 1u);
  CAF_CHECK_EQUAL(inv[0].invocation.connection_id, "c7");
  CAF_CHECK_EQUAL(inv[0].invocation.target, "Result");
}

CAF_TEST(the sends and requests of a connection go over its own link and others over the first link that is up) {
  shared->set_owner("c5", 1);  // the link actor that opened c5 records this
  auto me = caf::actor_cast<caf::actor>(self);
  auto ok = [](auto&& handle) {
    bool done = false;
    handle.receive([&](ok_atom) { done = true; }, [&](caf::error& e) { CAF_FAIL(caf::to_string(e)); });
    return done;
  };
  auto attached = self->request(router, caf::infinite, attach_atom::value, connection_entry{"c5", "", nullptr, me});
  run();
  CAF_CHECK(ok(attached));
  auto from = [&](std::size_t first) {
    std::vector<caf::actor_addr> out(senders->begin() + static_cast<std::ptrdiff_t>(first), senders->end());
    return out;
  };
  // From c5's connection actor: a delivery and a group change, both over link 2, then the attach record.
  auto before = senders->size();
  auto sent = self->request(router, caf::infinite, send_atom::value, send_target::all(), message("a"));
  auto joined = self->request(router, caf::infinite, group_atom::value, true, std::string("c5"), std::string("g"));
  run();
  CAF_CHECK(ok(sent));
  CAF_CHECK(ok(joined));
  CAF_CHECK_EQUAL(from(before), (std::vector<caf::actor_addr>{link2.address(), link2.address()}));
  // From outside any connection (hub_context): the first link.
  before = senders->size();
  caf::anon_send(router, send_atom::value, send_target::all(), message("b"));
  run();
  CAF_CHECK_EQUAL(from(before), std::vector<caf::actor_addr>{link.address()});
  // The first link down: the second one.
  shared->links[0]->linked = false;
  before = senders->size();
  caf::anon_send(router, send_atom::value, send_target::all(), message("c"));
  run();
  CAF_CHECK_EQUAL(from(before), std::vector<caf::actor_addr>{link2.address()});
  shared->links[0]->linked = true;
  // Detached: c5's actor is nobody's connection any more.
  caf::anon_send(router, detach_atom::value, std::string("c5"));
  run();
  before = senders->size();
  auto last = self->request(router, caf::infinite, send_atom::value, send_target::all(), message("d"));
  run();
  CAF_CHECK(ok(last));
  CAF_CHECK_EQUAL(from(before), std::vector<caf::actor_addr>{link.address()});
}

CAF_TEST(with the link down requests are answered at once) {
  for (auto& l : shared->links) l->linked = false;
  auto g = self->request(router, caf::infinite, group_atom::value, true, std::string("c1"), std::string("g"));
  auto r = self->request(router, caf::infinite, invoke_atom::value, std::string("c1"), client_invocation{"X", {}, {}});
  run();
  bool done = false;
  g.receive([&](ok_atom) { done = true; }, [&](caf::error& e) { CAF_FAIL(caf::to_string(e)); });
  CAF_CHECK(done);
  r.receive([&](client_result& x) { CAF_CHECK(x.code == client_result::status::disconnected); },
            [&](caf::error& e) { CAF_FAIL(caf::to_string(e)); });
  CAF_CHECK(received<gwire::group_change>().empty());
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

// An app-server link as the directory holds it.
server_ptr make_slot(std::string id, std::string name, std::size_t clients) {
  auto s = std::make_shared<server_slot>();
  s->id = std::move(id);
  s->name = std::move(name);
  s->clients = clients;
  return s;
}

}  // namespace

CAF_TEST(a new client goes to its pinned app server if it can take it else to the least loaded) {
  server_directory dir;
  auto a = make_slot("a.1", "a", 5), b = make_slot("b.1", "b", 2), c = make_slot("c.1", "c", 0);
  for (auto& s : {a, b, c}) dir.put(s);
  dir.set_hubs("a.1", {"TestHub", "chat"});
  dir.set_hubs("b.1", {"testhub"});
  dir.set_hubs("c.1", {"chat"});
  CAF_CHECK_EQUAL(dir.size(), 3u);
  CAF_CHECK(dir.pick("testhub", "a") == a);   // pinned, hub names case-insensitive
  CAF_CHECK(dir.pick("testhub", "") == b);    // least loaded of those running it
  CAF_CHECK(dir.pick("testhub", "c") == b);   // pinned one does not run the hub
  CAF_CHECK(dir.pick("testhub", "gone") == b);
  CAF_CHECK(dir.pick("nohub", "") == nullptr);  // serverless
  b->draining = true;
  CAF_CHECK(dir.pick("testhub", "b") == a);   // draining: no new clients
  dir.remove("a.1");
  CAF_CHECK(dir.pick("testhub", "") == nullptr);
  CAF_CHECK(dir.runs("chat"));
  CAF_CHECK(dir.runs("testhub"));  // b is still linked (draining): it runs the hub, it takes no new clients
}

CAF_TEST(a client pinned to an app server with several links goes to its least loaded link) {
  server_directory dir;
  auto a0 = make_slot("a#0", "a", 4), a1 = make_slot("a#1", "a", 3), a2 = make_slot("a#2", "a", 9);
  auto b0 = make_slot("b#0", "b", 0);
  for (auto& s : {a0, a1, a2, b0}) {
    dir.put(s);
    dir.set_hubs(s->id, {"testhub"});
  }
  CAF_CHECK(dir.pick("testhub", "a") == a1);
  a1->draining = true;
  CAF_CHECK(dir.pick("testhub", "a") == a0);
  CAF_CHECK(dir.pick("testhub", "") == b0);
}

CAF_TEST(client tokens must name the client URL of the hub as their audience) {
  object ok{{"aud", "http://127.0.0.1:8080/client/?hub=testhub"}};
  CAF_CHECK(audience_ok(ok, "http://127.0.0.1:8080", "testhub"));
  CAF_CHECK(audience_ok(ok, "http://127.0.0.1:8080/", "TESTHUB"));
  CAF_CHECK(!audience_ok(ok, "http://127.0.0.1:8080", "chat"));
  CAF_CHECK(!audience_ok(ok, "http://127.0.0.1:9999", "testhub"));
  CAF_CHECK(!audience_ok(object{}, "http://127.0.0.1:8080", "testhub"));
  object list{{"aud", array{value("x"), value("http://127.0.0.1:8080/client/?hub=testhub")}}};
  CAF_CHECK(audience_ok(list, "http://127.0.0.1:8080", "testhub"));
  CAF_CHECK_EQUAL(requested_hub({{"id", "x"}, {"hub", "TestHub"}}), "testhub");
  CAF_CHECK_EQUAL(requested_hub({}), "");
  CAF_CHECK_EQUAL(client_url("http://h:1/", "chat"), "http://h:1/client/?hub=chat");
}

CAF_TEST(the link outbox coalesces what is queued before its flush into one batch in order) {
  outbox box;
  CAF_CHECK(box.empty());
  CAF_CHECK(box.add(gwire::encode(gwire::ack{1})));   // first: the owner schedules a flush
  CAF_CHECK(!box.add(gwire::encode(gwire::ack{2})));  // already scheduled
  CAF_CHECK(!box.add(gwire::encode(gwire::ack{3})));
  auto m = gwire::decode(box.take());
  CAF_REQUIRE(m);
  auto* b = std::get_if<gwire::batch>(&*m);
  CAF_REQUIRE(b);
  CAF_REQUIRE_EQUAL(b->messages.size(), 3u);
  for (std::uint64_t i = 0; i < 3; ++i) {
    auto inner = gwire::decode(b->messages[i]);
    CAF_REQUIRE(inner);
    CAF_CHECK_EQUAL(std::get<gwire::ack>(*inner).ack_id, i + 1);
  }
  CAF_CHECK(box.empty());
  // One message alone goes as itself, not as a batch of one.
  CAF_CHECK(box.add(gwire::encode(gwire::ack{4})));
  auto one = gwire::decode(box.take());
  CAF_REQUIRE(one);
  CAF_CHECK(std::holds_alternative<gwire::ack>(*one));
  // Past max_bytes the owner flushes at once.
  box.add(std::string(outbox::max_bytes, 'x'));
  CAF_CHECK(box.full());
  box.clear();
  CAF_CHECK(box.empty() && !box.full());
}

namespace {

using sent_log = std::shared_ptr<std::vector<std::pair<caf::actor_addr, std::string>>>;

// Records each link message with its sender.
caf::behavior recorder(caf::event_based_actor* self, sent_log log) {
  return {
      [=](gw_atom, const std::string& bytes) {
        log->emplace_back(caf::actor_cast<caf::actor_addr>(self->current_sender()), bytes);
      },
  };
}

std::vector<std::uint64_t> acks_in(const std::string& bytes) {
  std::vector<std::uint64_t> out;
  auto m = gwire::decode(bytes);
  if (!m) return out;
  if (auto* a = std::get_if<gwire::ack>(&*m)) out.push_back(a->ack_id);
  if (auto* b = std::get_if<gwire::batch>(&*m))
    for (auto& inner : b->messages)
      if (auto i = gwire::decode(inner); i && std::holds_alternative<gwire::ack>(*i))
        out.push_back(std::get<gwire::ack>(*i).ack_id);
  return out;
}

}  // namespace

CAF_TEST_FIXTURE_SCOPE(client_outbox_tests, test_coordinator_fixture<>)

CAF_TEST(what the I/O threads add in one turn reaches the app server as one message in order from the gateway) {
  auto log = std::make_shared<std::vector<std::pair<caf::actor_addr, std::string>>>();
  auto link = sys.spawn(recorder, log);
  auto gateway = sys.spawn(recorder, log);  // only the sender's identity matters
  auto box = std::make_shared<client_outbox>(gateway, link);
  // Off an I/O thread nothing is deferred: sent at once.
  CAF_CHECK(!after_io_turn([] {}));
  box->add(gwire::encode(gwire::ack{1}));
  run();
  CAF_REQUIRE_EQUAL(log->size(), 1u);
  CAF_CHECK(log->at(0).first == gateway.address());
  CAF_CHECK_EQUAL(acks_in(log->at(0).second), std::vector<std::uint64_t>{1});
  log->clear();
  // On an I/O thread: three sockets' handlers in one turn add a record each; one flush after all of them.
  boost::asio::io_context ioc;
  std::vector<std::size_t> sent_before;  // messages sent when each handler ran
  {
    transport::io_turn_scope scope(ioc);
    for (std::uint64_t i = 2; i <= 4; ++i)
      boost::asio::post(ioc, [this, box, log, i, &sent_before] {
        run();
        CAF_CHECK(in_io_turn());
        sent_before.push_back(log->size());
        box->add(gwire::encode(gwire::ack{i}));
      });
    ioc.run();
  }
  CAF_CHECK(!in_io_turn() && !after_io_turn([] {}));  // the scope ended
  run();
  CAF_CHECK_EQUAL(sent_before, (std::vector<std::size_t>{0, 0, 0}));
  CAF_REQUIRE_EQUAL(log->size(), 1u);
  CAF_CHECK(log->at(0).first == gateway.address());
  CAF_CHECK_EQUAL(acks_in(log->at(0).second), (std::vector<std::uint64_t>{2, 3, 4}));
  // The next turn starts a new message.
  log->clear();
  ioc.restart();
  {
    transport::io_turn_scope scope(ioc);
    boost::asio::post(ioc, [box] { box->add(gwire::encode(gwire::ack{5})); });
    ioc.run();
  }
  run();
  CAF_REQUIRE_EQUAL(log->size(), 1u);
  CAF_CHECK_EQUAL(acks_in(log->at(0).second), std::vector<std::uint64_t>{5});
}

CAF_TEST_FIXTURE_SCOPE_END()
