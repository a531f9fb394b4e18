// The typed public API: handlers without hub_call&, typed client-to-server streams, typed client results
// (invoke<T>, result<T>), client_method declarations, presence from a hub method, and hub_call used from
// another thread (the work lands in the connection's actor, in order).
#define CAF_SUITE typed
#include "fixture.hpp"

#include <thread>

#include <actorhub/client_method.hpp>
#include <actorhub/hub_context.hpp>

using namespace actorhub;
using namespace actorhub::test;

namespace {

struct game_client {
  static constexpr client_method<void(std::string, int)> score{"Score"};
  static constexpr client_method<int(std::string)> ask_number{"AskNumber"};
};

struct typed_fixture : hub_fixture {
  std::vector<std::string> log;

  ~typed_fixture() override { teardown(); }

  typed_fixture() {
    hub h("test");
    h.on("Add", [](int a, int b) { return a + b; });  // no hub_call&
    h.stream("Count", [](stream_writer w, int n) {    // a stream without hub_call&
      for (int i = 0; i < n; ++i) w.write(i);
      w.complete();
    });
    h.on("Sum", [](hub_call& c, incoming_stream<int> numbers) {
      auto d = c.defer();
      auto total = std::make_shared<int>(0);
      numbers.on_item([total](int x) { *total += x; });
      numbers.on_complete([d, total](const std::optional<std::string>&) { d.resolve(*total); });
      return d;
    });
    h.on("Broadcast", [](hub_call& c, std::string who) { c.clients().all().send(game_client::score, who, 3); });
    h.on("AskTyped", [this](hub_call& c, std::string id) {
      auto d = c.defer();
      c.clients().client(id).invoke(game_client::ask_number, [this, d](result<int> r) {
        log.push_back(r ? "number:" + std::to_string(*r) : "failed:" + r.error());
        d.resolve();
      }, "pick one");
      return d;
    });
    h.on("AskString", [this](hub_call& c, std::string id) {
      auto d = c.defer();
      c.clients().client(id).invoke<int>("AskNumber", {}, [this, d](result<int> r) {
        log.push_back(r ? "int" : "not an int: " + r.error());
        d.resolve();
      });
      return d;
    });
    h.on("Members", [this](hub_call& c, std::string g) {
      auto d = c.defer();
      c.presence().connections_in_group(g, [this, d](std::vector<std::string> ids) {
        for (auto& id : ids) log.push_back("member:" + id);
        d.resolve(static_cast<int>(ids.size()));
      });
      return d;
    });
    h.on("FromThread", [](hub_call& c) {
      auto d = c.defer();
      // Another thread sends, then resolves: both run in the actor, in this order.
      std::thread([c, d] {
        c.clients().caller().send("Hello", std::string("from a thread"));
        d.resolve(std::string("done"));
      }).join();
      return d;
    });
    start(std::move(h));
  }
};

}  // namespace

CAF_TEST_FIXTURE_SCOPE(typed_tests, typed_fixture)

CAF_TEST(handlers without hub_call) {
  auto& a = connect("A");
  invoke(a, "1", "Add", {2, 3});
  CAF_REQUIRE(a->completion("1") != nullptr);
  CAF_CHECK_EQUAL(a->completion("1")->result.value_or(value{}), value(5));
  stream(a, "2", "Count", {3});
  CAF_CHECK_EQUAL(a->items("2").size(), 3u);
}

CAF_TEST(typed incoming streams convert each item) {
  auto& a = connect("A");
  invoke(a, "1", "Sum", {}, {"s"});
  feed(a, {stream_item_message{{}, "s", value(2)}, stream_item_message{{}, "s", value(40)},
           completion_message{{}, "s", std::nullopt, std::nullopt}});
  CAF_REQUIRE(a->completion("1") != nullptr);
  CAF_CHECK_EQUAL(a->completion("1")->result.value_or(value{}), value(42));
  // An item that is not an int fails the method.
  invoke(a, "2", "Sum", {}, {"t"});
  feed(a, {stream_item_message{{}, "t", value("seven")}});
  CAF_REQUIRE(a->completion("2") != nullptr);
  CAF_CHECK(a->completion("2")->error.has_value());
}

CAF_TEST(client methods are typed sends) {
  auto& a = connect("A");
  auto& b = connect("B");
  invoke(a, "1", "Broadcast", {"ann"});
  CAF_CHECK_EQUAL(b->calls("Score"), (std::vector<array>{array{"ann", 3}}));
}

CAF_TEST(typed client results) {
  auto& a = connect("A");
  auto& b = connect("B");
  invoke(a, "1", "AskTyped", {"B"});
  auto q = b->result_requests();
  CAF_REQUIRE_EQUAL(q.size(), 1u);
  CAF_CHECK_EQUAL(q[0].target, "AskNumber");
  CAF_CHECK_EQUAL(q[0].arguments, (array{"pick one"}));
  feed(b, {completion_message{{}, *q[0].invocation_id, std::nullopt, value(7)}});
  CAF_CHECK_EQUAL(log.back(), "number:7");
  invoke(a, "2", "AskString", {"B"});
  feed(b, {completion_message{{}, *b->result_requests().back().invocation_id, std::nullopt, value("seven")}});
  CAF_CHECK(log.back().rfind("not an int: ", 0) == 0);
}

CAF_TEST(presence from a hub method) {
  auto& a = connect("A");
  connect("B");
  auto ctx = host->context();
  ctx.groups().add("A", "g");
  ctx.groups().add("B", "g");
  sched.run();
  invoke(a, "1", "Members", {"g"});
  CAF_REQUIRE(a->completion("1") != nullptr);
  CAF_CHECK_EQUAL(a->completion("1")->result.value_or(value{}), value(2));
  CAF_CHECK_EQUAL(log, (std::vector<std::string>{"member:A", "member:B"}));
}

CAF_TEST(hub_call from another thread) {
  auto& a = connect("A");
  invoke(a, "1", "FromThread");
  sched.run();
  CAF_CHECK_EQUAL(a->calls("Hello").size(), 1u);
  CAF_REQUIRE(a->completion("1") != nullptr);
  CAF_CHECK_EQUAL(a->completion("1")->result.value_or(value{}), value("done"));
  // The send was made first, so it arrives first.
  auto sent = a->index_of([](const encoded_ptr& m) { return std::holds_alternative<invocation_message>(m->message()); });
  auto done = a->index_of([](const encoded_ptr& m) { return std::holds_alternative<completion_message>(m->message()); });
  CAF_CHECK(sent >= 0 && sent < done);
}

CAF_TEST_FIXTURE_SCOPE_END()
