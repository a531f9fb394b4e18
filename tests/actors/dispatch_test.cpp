// Method dispatch: results, argument conversion, error texts, ordering of one connection's invocations.
#define CAF_SUITE dispatch
#include "fixture.hpp"

using namespace actorhub;
using namespace actorhub::test;

namespace {

const std::string prefix = "Failed to invoke '";

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

struct dispatch_fixture : hub_fixture {
  std::vector<std::string> log;
  std::vector<deferred> waiting;
  caf::actor doubler = sys.spawn([]() -> caf::behavior { return {[](int x) { return 2 * x; }}; });

  ~dispatch_fixture() override {
    teardown();
    anon_send_exit(doubler, caf::exit_reason::user_shutdown);
    run();
  }

  hub make(bool detailed) {
    hub_options o;
    o.detailed_errors = detailed;
    hub h("test", o);
    h.on("Echo", [](hub_call&, std::string s) { return s; });
    h.on("Add", [](hub_call&, int a, std::int64_t b) { return a + b; });
    h.on("Half", [](hub_call&, double x) { return x / 2; });
    h.on("Not", [](hub_call&, bool b) { return !b; });
    h.on("Maybe", [](hub_call&, std::optional<std::string> s) { return s ? *s : std::string("none"); });
    h.on("Sum", [](hub_call&, std::vector<int> xs) {
      int n = 0;
      for (int x : xs) n += x;
      return n;
    });
    h.on("Size", [](hub_call&, bytes b) { return b.size(); });
    h.on("Same", [](hub_call&, value v) { return v; });
    h.on("Note", [this](hub_call& c, std::string s) { log.push_back(c.method() + ":" + s); });
    h.on("Wait", [this](hub_call& c, std::string s) {
      log.push_back("wait:" + s);
      waiting.push_back(c.defer());
      return waiting.back();
    });
    h.on("Later", [](hub_call& c, int ms, std::string s) {
      auto d = c.defer();
      c.after(std::chrono::milliseconds(ms), [d, s] { d.resolve(s); });
      return d;
    });
    h.on("Hub", [](hub_call&, std::string m) -> int { throw hub_exception(m); });
    h.on("Typed", [](hub_call&, std::string m) { throw invocation_error("InvalidOperationException", m); });
    h.on("Plain", [](hub_call&, std::string m) { throw std::runtime_error(m); });
    h.on("FailLater", [](hub_call& c) {
      auto d = c.defer();
      c.after(std::chrono::milliseconds(5), [d] { d.fail(hub_exception("later")); });
      return d;
    });
    h.on("ThrowInTimer", [](hub_call& c) {
      auto d = c.defer();
      c.after(std::chrono::milliseconds(5), [] { throw hub_exception("timer"); });
      return d;
    });
    h.stream("Items", [](hub_call&, stream_writer w) { w.complete(); });
    // A request to a user actor from inside a method: the answer arrives in the connection actor.
    h.on("Double", [this](hub_call& c, int x) {
      auto d = c.defer();
      c.self()->request(doubler, caf::infinite, x).then([d](int y) { d.resolve(y); });
      return d;
    });
    h.on_connected([this](hub_call& c) {
      log.push_back("connected:" + c.connection_id());
      c.clients().caller().send("Welcome", c.connection_id());
    });
    h.on_disconnected([this](hub_call& c, const std::optional<std::string>& e) {
      log.push_back("disconnected:" + c.connection_id() + ":" + e.value_or("-"));
    });
    return h;
  }
};

std::string error_of(const fake_connection& c, const std::string& id) {
  auto m = c.completion(id);
  CAF_REQUIRE(m != nullptr);
  CAF_REQUIRE(m->error.has_value());
  return *m->error;
}

value result_of(const fake_connection& c, const std::string& id) {
  auto m = c.completion(id);
  CAF_REQUIRE(m != nullptr);
  CAF_REQUIRE(!m->error.has_value());
  CAF_REQUIRE(m->result.has_value());
  return *m->result;
}

}  // namespace

CAF_TEST_FIXTURE_SCOPE(dispatch_tests, dispatch_fixture)

CAF_TEST(results and conversions) {
  start(make(true));
  auto& a = connect("A");
  invoke(a, "1", "Echo", {"hi"});
  CAF_CHECK_EQUAL(result_of(*a.conn, "1"), value("hi"));
  invoke(a, "2", "Add", {2, 40});
  CAF_CHECK_EQUAL(result_of(*a.conn, "2"), value(42));
  invoke(a, "3", "Half", {3});  // an integer binds to double
  CAF_CHECK_EQUAL(result_of(*a.conn, "3"), value(1.5));
  invoke(a, "4", "Not", {false});
  CAF_CHECK_EQUAL(result_of(*a.conn, "4"), value(true));
  invoke(a, "5", "Maybe", {nullptr});
  CAF_CHECK_EQUAL(result_of(*a.conn, "5"), value("none"));
  invoke(a, "6", "Sum", {array{1, 2, 3}});
  CAF_CHECK_EQUAL(result_of(*a.conn, "6"), value(6));
  invoke(a, "7", "Size", {"AQID"});  // JSON carries byte arrays as base64
  CAF_CHECK_EQUAL(result_of(*a.conn, "7"), value(3));
  invoke(a, "8", "Size", {bytes{1, 2, 3, 4}});
  CAF_CHECK_EQUAL(result_of(*a.conn, "8"), value(4));
  object o{{"Name", "x"}, {"Value", 42}};
  invoke(a, "9", "Same", {o});
  CAF_CHECK_EQUAL(result_of(*a.conn, "9"), value(o));
}

CAF_TEST(void methods complete without result and non-blocking ones not at all) {
  start(make(true));
  auto& a = connect("A");
  invoke(a, "1", "Note", {"x"});
  auto c = a->completion("1");
  CAF_REQUIRE(c != nullptr);
  CAF_CHECK(!c->error && !c->result);
  auto before = a->completions();
  invoke(a, std::nullopt, "Note", {"y"});
  invoke(a, std::nullopt, "NoSuchMethod", {});
  invoke(a, std::nullopt, "Echo", {1, 2});
  CAF_CHECK_EQUAL(a->completions(), before);
  CAF_CHECK_EQUAL(log.back(), "Note:y");
}

CAF_TEST(binding errors) {
  start(make(true));
  auto& a = connect("A");
  invoke(a, "1", "NoSuchMethod", {1});
  CAF_CHECK_EQUAL(error_of(*a.conn, "1"),
                  "Failed to invoke 'NoSuchMethod' due to an error on the server. HubException: Method does not exist.");
  invoke(a, "2", "Echo", {"a", "b"});
  CAF_CHECK_EQUAL(error_of(*a.conn, "2"), "Failed to invoke 'Echo' due to an error on the server. "
                                          "InvalidDataException: Invocation provides 2 argument(s) but target expects 1.");
  invoke(a, "3", "Echo", {});
  CAF_CHECK(starts_with(error_of(*a.conn, "3"), "Failed to invoke 'Echo' due to an error on the server."));
  invoke(a, "4", "Echo", {42});
  auto e4 = error_of(*a.conn, "4");
  CAF_CHECK(starts_with(e4, "Failed to invoke 'Echo' due to an error on the server. InvalidDataException: "));
  invoke(a, "5", "Add", {1, 1.5});
  CAF_CHECK(starts_with(error_of(*a.conn, "5"), "Failed to invoke 'Add' due to an error on the server."));
  invoke(a, "6", "Add", {std::int64_t{1} << 40, 1});  // out of int's range
  CAF_CHECK(starts_with(error_of(*a.conn, "6"), "Failed to invoke 'Add' due to an error on the server."));
  invoke(a, "7", "Sum", {array{1, "x"}});
  CAF_CHECK(starts_with(error_of(*a.conn, "7"), "Failed to invoke 'Sum' due to an error on the server."));
  invoke(a, "8", "Echo", {"a"}, {"s1"});
  CAF_CHECK(starts_with(error_of(*a.conn, "8"), "Failed to invoke 'Echo' due to an error on the server."));
  // The connection keeps working.
  invoke(a, "9", "Echo", {"ok"});
  CAF_CHECK_EQUAL(result_of(*a.conn, "9"), value("ok"));
  CAF_CHECK(!a->closed);
}

CAF_TEST(binding errors without detailed errors show only the prefix) {
  start(make(false));
  auto& a = connect("A");
  invoke(a, "1", "Echo", {42});
  CAF_CHECK_EQUAL(error_of(*a.conn, "1"), "Failed to invoke 'Echo' due to an error on the server.");
  invoke(a, "2", "Nope", {});
  CAF_CHECK_EQUAL(error_of(*a.conn, "2"),
                  "Failed to invoke 'Nope' due to an error on the server. HubException: Method does not exist.");
}

CAF_TEST(exceptions with detailed errors) {
  start(make(true));
  auto& a = connect("A");
  invoke(a, "1", "Hub", {"boom"});
  CAF_CHECK_EQUAL(error_of(*a.conn, "1"), "An unexpected error occurred invoking 'Hub' on the server. HubException: boom");
  invoke(a, "2", "Typed", {"An error occurred."});
  CAF_CHECK_EQUAL(error_of(*a.conn, "2"), "An unexpected error occurred invoking 'Typed' on the server. "
                                          "InvalidOperationException: An error occurred.");
  invoke(a, "3", "Plain", {"oops"});
  CAF_CHECK_EQUAL(error_of(*a.conn, "3"), "An unexpected error occurred invoking 'Plain' on the server. Exception: oops");
  invoke(a, "4", "FailLater", {});
  CAF_CHECK(a->completion("4") == nullptr);
  wait(std::chrono::milliseconds(5));
  CAF_CHECK_EQUAL(error_of(*a.conn, "4"), "An unexpected error occurred invoking 'FailLater' on the server. HubException: later");
  invoke(a, "5", "ThrowInTimer", {});
  wait(std::chrono::milliseconds(5));
  CAF_CHECK_EQUAL(error_of(*a.conn, "5"), "An unexpected error occurred invoking 'ThrowInTimer' on the server. HubException: timer");
}

CAF_TEST(exceptions without detailed errors hide all but hub_exception) {
  start(make(false));
  auto& a = connect("A");
  invoke(a, "1", "Hub", {"boom"});
  CAF_CHECK_EQUAL(error_of(*a.conn, "1"), "An unexpected error occurred invoking 'Hub' on the server. HubException: boom");
  invoke(a, "2", "Typed", {"secret"});
  CAF_CHECK_EQUAL(error_of(*a.conn, "2"), "An unexpected error occurred invoking 'Typed' on the server.");
  invoke(a, "3", "Plain", {"secret"});
  CAF_CHECK_EQUAL(error_of(*a.conn, "3"), "An unexpected error occurred invoking 'Plain' on the server.");
}

CAF_TEST(streaming and non streaming mismatches) {
  start(make(true));
  auto& a = connect("A");
  invoke(a, "1", "Items", {});
  CAF_CHECK_EQUAL(error_of(*a.conn, "1"),
                  "The client attempted to invoke the streaming 'Items' method with a non-streaming invocation.");
  stream(a, "2", "Echo", {"x"});
  CAF_CHECK_EQUAL(error_of(*a.conn, "2"),
                  "The client attempted to invoke the non-streaming 'Echo' method with a streaming invocation.");
}

CAF_TEST(a deferred invocation blocks the next one of its connection only) {
  start(make(true));
  auto& a = connect("A");
  auto& b = connect("B");
  // One frame: Wait (deferred), then Echo and a non-blocking Note.
  feed(a, {invocation_message{{}, "1", "Wait", {"w"}, {}}, invocation_message{{}, "2", "Echo", {"e"}, {}},
           invocation_message{{}, std::nullopt, "Note", {"n"}, {}}});
  CAF_CHECK(a->completion("1") == nullptr);
  CAF_CHECK(a->completion("2") == nullptr);
  CAF_CHECK_EQUAL(log.back(), "wait:w");
  // Another connection is not blocked.
  invoke(b, "1", "Echo", {"b"});
  CAF_CHECK_EQUAL(result_of(*b.conn, "1"), value("b"));
  CAF_REQUIRE_EQUAL(waiting.size(), 1u);
  waiting[0].resolve(std::string("done"));
  sched.run();
  CAF_CHECK_EQUAL(result_of(*a.conn, "1"), value("done"));
  CAF_CHECK_EQUAL(result_of(*a.conn, "2"), value("e"));
  CAF_CHECK_EQUAL(log.back(), "Note:n");
  auto first = a->index_of([](const hub_message& m) {
    auto c = std::get_if<completion_message>(&m);
    return c && c->invocation_id == "1";
  });
  auto second = a->index_of([](const hub_message& m) {
    auto c = std::get_if<completion_message>(&m);
    return c && c->invocation_id == "2";
  });
  CAF_CHECK_LESS(first, second);
  // A second resolution is ignored.
  waiting[0].resolve(std::string("again"));
  sched.run();
  CAF_CHECK_EQUAL(a->completions(), 2u);
}

CAF_TEST(a non blocking deferred invocation also holds the queue) {
  start(make(true));
  auto& a = connect("A");
  feed(a, {invocation_message{{}, std::nullopt, "Wait", {"w"}, {}}, invocation_message{{}, "2", "Echo", {"e"}, {}}});
  CAF_CHECK(a->completion("2") == nullptr);
  waiting.at(0).resolve();
  sched.run();
  CAF_CHECK_EQUAL(result_of(*a.conn, "2"), value("e"));
  CAF_CHECK_EQUAL(a->completions(), 1u);
}

CAF_TEST(timers complete deferred invocations in order) {
  start(make(true));
  auto& a = connect("A");
  feed(a, {invocation_message{{}, "1", "Later", {20, "x"}, {}}, invocation_message{{}, "2", "Later", {10, "y"}, {}}});
  wait(std::chrono::milliseconds(15));
  CAF_CHECK(a->completion("1") == nullptr);
  wait(std::chrono::milliseconds(5));
  CAF_CHECK_EQUAL(result_of(*a.conn, "1"), value("x"));
  CAF_CHECK(a->completion("2") == nullptr);  // its timer starts only when it runs
  wait(std::chrono::milliseconds(10));
  CAF_CHECK_EQUAL(result_of(*a.conn, "2"), value("y"));
}

CAF_TEST(methods can ask other actors through self) {
  start(make(true));
  auto& a = connect("A");
  invoke(a, "1", "Double", {21});
  CAF_CHECK_EQUAL(result_of(*a.conn, "1"), value(42));
}

CAF_TEST(on connected runs first and on disconnected last) {
  start(make(true));
  auto& a = connect("A");
  CAF_CHECK_EQUAL(log.at(0), "connected:A");
  CAF_CHECK_EQUAL(a->calls("Welcome").size(), 1u);
  CAF_CHECK_EQUAL(stats().connections, 1u);
  close(a, std::string("gone"));
  CAF_CHECK_EQUAL(log.back(), "disconnected:A:gone");
  CAF_CHECK_EQUAL(stats().connections, 0u);
}

CAF_TEST(too many queued invocations close the connection) {
  connection_limits limits;
  limits.max_queued_invocations = 3;
  start(make(true), {}, limits);
  auto& a = connect("A");
  std::vector<hub_message> batch;
  batch.push_back(invocation_message{{}, "0", "Wait", {"w"}, {}});
  for (int i = 1; i <= 4; ++i) batch.push_back(invocation_message{{}, std::to_string(i), "Echo", {"e"}, {}});
  feed(a, std::move(batch));
  CAF_CHECK(a->closed);
  CAF_CHECK(a->close_error.has_value());
  CAF_CHECK_EQUAL(stats().connections, 0u);
  a.closed = true;  // the fake transport reported nothing; the actor is gone already
}

CAF_TEST_FIXTURE_SCOPE_END()
