// Server-to-client streams (items, completion, cancellation) and client-to-server streams.
#define CAF_SUITE streams
#include "fixture.hpp"

using namespace actorhub;
using namespace actorhub::test;

namespace {

struct streams_fixture : hub_fixture {
  int cancels = 0;
  std::vector<std::string> log;

  ~streams_fixture() override { teardown(); }

  streams_fixture() {
    hub_options o;
    o.detailed_errors = true;
    hub h("test", o);
    h.stream("Abc", [](hub_call&, stream_writer w) {
      for (auto s : {"a", "b", "c"}) w.write(std::string(s));
      w.complete();
    });
    h.stream("Empty", [](hub_call&, stream_writer w) { w.complete(); });
    h.stream("Counter", [this](hub_call& c, stream_writer w, int count, int delay) {
      w.on_cancel([this, c] {
        ++cancels;
        c.clients().caller().send("StreamCanceled");
      });
      auto step = std::make_shared<std::function<void(int)>>();
      *step = [c, w, count, delay, weak = std::weak_ptr<std::function<void(int)>>(step)](int i) {
        if (w.done()) return;
        if (i >= count) return w.complete();
        w.write(i);
        if (auto next = weak.lock()) c.after(std::chrono::milliseconds(delay), [next, i] { (*next)(i + 1); });
      };
      steps.push_back(step);  // keeps the chain alive for the test's duration
      (*step)(0);
    });
    h.stream("Infinite", [this](hub_call&, stream_writer w) { w.on_cancel([this] { ++cancels; }); });
    h.stream("Throw", [](hub_call&, stream_writer w, std::string m) {
      w.write(1);
      throw invocation_error("InvalidOperationException", m);
    });
    h.stream("FailLater", [](hub_call& c, stream_writer w) {
      c.after(std::chrono::milliseconds(5), [w] { w.fail(hub_exception("late")); });
    });
    h.on("Concat", [this](hub_call& c, incoming_stream<> in) {
      auto d = c.defer();
      auto acc = std::make_shared<std::string>();
      in.on_item([acc](value v) { *acc += *v.if_string(); });
      in.on_complete([d, acc, this](const std::optional<std::string>& err) {
        log.push_back("complete:" + err.value_or("-"));
        if (!err) d.resolve(*acc);
      });
      return d;
    });
    h.on("Ignore", [](hub_call& c, incoming_stream<>) { return c.defer(); });
    h.on("Wait", [this](hub_call& c) {
      waiting.push_back(c.defer());
      return waiting.back();
    });
    h.stream("EchoStream", [](hub_call&, stream_writer w, incoming_stream<> in) {
      in.on_item([w](value v) { w.write_value(std::move(v)); });
      in.on_complete([w](const std::optional<std::string>& err) {
        if (!err) w.complete();
      });
    });
    h.on("Two", [](hub_call& c, std::string sep, incoming_stream<> x, incoming_stream<std::string> y) {
      auto d = c.defer();
      auto parts = std::make_shared<std::vector<std::string>>(2);
      auto left = std::make_shared<int>(2);
      auto bind = [&](auto& s, std::size_t i) {
        s.on_item([parts, i](value v) { (*parts)[i] += *v.if_string(); });
        s.on_complete([d, parts, left, sep](const std::optional<std::string>&) {
          if (--*left == 0) d.resolve((*parts)[0] + sep + (*parts)[1]);
        });
      };
      bind(x, 0);
      bind(y, 1);
      return d;
    });
    start(std::move(h));
  }

  std::vector<deferred> waiting;
  std::vector<std::shared_ptr<std::function<void(int)>>> steps;
};

const completion_message& done(const fake_connection& c, const std::string& id) {
  auto m = c.completion(id);
  CAF_REQUIRE(m != nullptr);
  return *m;
}

}  // namespace

CAF_TEST_FIXTURE_SCOPE(stream_tests, streams_fixture)

CAF_TEST(items then completion) {
  auto& a = connect("A");
  stream(a, "1", "Abc");
  CAF_CHECK_EQUAL(a->items("1"), (std::vector<value>{"a", "b", "c"}));
  CAF_CHECK(!done(*a.conn, "1").error && !done(*a.conn, "1").result);
  CAF_CHECK_GREATER(a->index_of([](const hub_message& m) { return std::holds_alternative<completion_message>(m); }),
                    a->index_of([](const hub_message& m) { return std::holds_alternative<stream_item_message>(m); }));
  stream(a, "2", "Empty");
  CAF_CHECK(a->items("2").empty());
  CAF_CHECK(!done(*a.conn, "2").error);
}

CAF_TEST(timed items and concurrent streams) {
  auto& a = connect("A");
  stream(a, "x", "Counter", {3, 10});
  stream(a, "y", "Counter", {2, 15});
  CAF_CHECK_EQUAL(a->items("x"), (std::vector<value>{0}));
  CAF_CHECK_EQUAL(a->items("y"), (std::vector<value>{0}));
  // A stream does not hold up other invocations.
  invoke(a, "e", "Wait");
  CAF_CHECK_EQUAL(waiting.size(), 1u);
  waiting[0].resolve();
  sched.run();
  for (int i = 0; i < 4; ++i) wait(std::chrono::milliseconds(10));
  CAF_CHECK_EQUAL(a->items("x"), (std::vector<value>{0, 1, 2}));
  CAF_CHECK_EQUAL(a->items("y"), (std::vector<value>{0, 1}));
  CAF_CHECK(a->completion("x") != nullptr);
  CAF_CHECK(a->completion("y") != nullptr);
  CAF_CHECK_EQUAL(cancels, 0);
}

CAF_TEST(cancel invocation stops the stream) {
  auto& a = connect("A");
  stream(a, "s", "Counter", {1000, 10});
  wait(std::chrono::milliseconds(10));
  wait(std::chrono::milliseconds(10));
  CAF_CHECK_EQUAL(a->items("s").size(), 3u);
  feed(a, {cancel_invocation_message{{}, "s"}});
  CAF_CHECK_EQUAL(cancels, 1);
  CAF_CHECK_EQUAL(a->calls("StreamCanceled").size(), 1u);
  CAF_CHECK(a->completion("s") != nullptr);
  for (int i = 0; i < 5; ++i) wait(std::chrono::milliseconds(10));
  CAF_CHECK_EQUAL(a->items("s").size(), 3u);
  // Unknown ids and repeated cancels are ignored.
  feed(a, {cancel_invocation_message{{}, "s"}, cancel_invocation_message{{}, "nope"}});
  CAF_CHECK_EQUAL(cancels, 1);
}

CAF_TEST(a stream cancelled while it waits in the queue never starts) {
  auto& a = connect("A");
  feed(a, {invocation_message{{}, "w", "Wait", {}, {}}, stream_invocation_message{{}, "s", "Infinite", {}, {}},
           cancel_invocation_message{{}, "s"}});
  CAF_CHECK(a->completion("s") != nullptr);
  waiting.at(0).resolve();
  sched.run();
  CAF_CHECK_EQUAL(a->completions(), 2u);
  close(a);
  CAF_CHECK_EQUAL(cancels, 0);  // Infinite never ran
}

CAF_TEST(the number of open streams is bounded) {
  auto& a = connect("A");
  for (int i = 0; i < 1024; ++i) stream(a, "s" + std::to_string(i), "Infinite");
  CAF_CHECK_EQUAL(a->completions(), 0u);
  stream(a, "one-too-many", "Infinite");
  CAF_REQUIRE(a->completion("one-too-many") != nullptr);
  CAF_CHECK_EQUAL(a->completion("one-too-many")->error.value_or(""), "Too many streams are open on this connection.");
  feed(a, {cancel_invocation_message{{}, "s0"}});
  stream(a, "fits-again", "Infinite");
  CAF_CHECK(a->completion("fits-again") == nullptr);
}

CAF_TEST(closing the connection cancels its streams) {
  auto& a = connect("A");
  stream(a, "1", "Infinite");
  stream(a, "2", "Infinite");
  CAF_CHECK_EQUAL(cancels, 0);
  close(a);
  CAF_CHECK_EQUAL(cancels, 2);
}

CAF_TEST(stream errors) {
  auto& a = connect("A");
  stream(a, "1", "Throw", {"An error occurred."});
  CAF_CHECK_EQUAL(done(*a.conn, "1").error.value_or(""),
                  "An unexpected error occurred invoking 'Throw' on the server. InvalidOperationException: An error occurred.");
  stream(a, "2", "FailLater");
  CAF_CHECK(a->completion("2") == nullptr);
  wait(std::chrono::milliseconds(5));
  CAF_CHECK_EQUAL(done(*a.conn, "2").error.value_or(""),
                  "An unexpected error occurred invoking 'FailLater' on the server. HubException: late");
  stream(a, "1", "Infinite");
  stream(a, "1", "Infinite");  // the id is in use: rejected
  CAF_CHECK_EQUAL(a->completions(), 3u);
}

CAF_TEST(client stream items are consumed in order) {
  auto& a = connect("A");
  feed(a, {invocation_message{{}, "1", "Concat", {}, {"9"}}, stream_item_message{{}, "9", "x"},
           stream_item_message{{}, "9", "y"}});
  feed(a, {stream_item_message{{}, "9", "z"}, completion_message{{}, "9", std::nullopt, std::nullopt}});
  CAF_CHECK_EQUAL(done(*a.conn, "1").result.value_or(value{}), value("xyz"));
  CAF_CHECK_EQUAL(log.back(), "complete:-");
  // Items after the completion, or for unknown streams, are ignored.
  feed(a, {stream_item_message{{}, "9", "late"}, stream_item_message{{}, "nope", "x"}});
  CAF_CHECK_EQUAL(a->completions(), 1u);
}

CAF_TEST(client stream items that arrive while the invocation waits are buffered) {
  auto& a = connect("A");
  feed(a, {invocation_message{{}, "w", "Wait", {}, {}}, invocation_message{{}, "1", "Concat", {}, {"s"}},
           stream_item_message{{}, "s", "a"}, stream_item_message{{}, "s", "b"},
           completion_message{{}, "s", std::nullopt, std::nullopt}});
  CAF_CHECK(a->completion("1") == nullptr);
  waiting.at(0).resolve();
  sched.run();
  CAF_CHECK_EQUAL(done(*a.conn, "1").result.value_or(value{}), value("ab"));
}

CAF_TEST(a client stream error fails the method) {
  auto& a = connect("A");
  invoke(a, "1", "Concat", {}, {"s"});
  feed(a, {stream_item_message{{}, "s", "a"}, completion_message{{}, "s", std::string("client broke"), std::nullopt}});
  CAF_CHECK_EQUAL(done(*a.conn, "1").error.value_or(""),
                  "An unexpected error occurred invoking 'Concat' on the server. HubException: client broke");
  CAF_CHECK_EQUAL(log.back(), "complete:client broke");
  // Also when the method never looks at the stream.
  invoke(a, "2", "Ignore", {}, {"t"});
  feed(a, {completion_message{{}, "t", std::string("E"), std::nullopt}});
  CAF_CHECK_EQUAL(done(*a.conn, "2").error.value_or(""),
                  "An unexpected error occurred invoking 'Ignore' on the server. HubException: E");
}

CAF_TEST(a server stream fed by a client stream) {
  auto& a = connect("A");
  stream(a, "1", "EchoStream", {}, {"in"});
  feed(a, {stream_item_message{{}, "in", 1}, stream_item_message{{}, "in", "two"}});
  CAF_CHECK_EQUAL(a->items("1"), (std::vector<value>{1, "two"}));
  CAF_CHECK(a->completion("1") == nullptr);
  feed(a, {completion_message{{}, "in", std::nullopt, std::nullopt}});
  CAF_CHECK(!done(*a.conn, "1").error);
  stream(a, "2", "EchoStream", {}, {"in2"});
  feed(a, {completion_message{{}, "in2", std::string("bad"), std::nullopt}});
  CAF_CHECK_EQUAL(done(*a.conn, "2").error.value_or(""),
                  "An unexpected error occurred invoking 'EchoStream' on the server. HubException: bad");
}

CAF_TEST(several client streams bind in order) {
  auto& a = connect("A");
  invoke(a, "1", "Two", {"+"}, {"p", "q"});
  feed(a, {stream_item_message{{}, "q", "right"}, stream_item_message{{}, "p", "left"},
           completion_message{{}, "q", std::nullopt, std::nullopt},
           completion_message{{}, "p", std::nullopt, std::nullopt}});
  CAF_CHECK_EQUAL(done(*a.conn, "1").result.value_or(value{}), value("left+right"));
  invoke(a, "2", "Two", {"+"}, {"only-one"});
  CAF_CHECK(done(*a.conn, "2").error.has_value());
}

CAF_TEST(too many buffered client stream items close the connection) {
  auto& a = connect("A");
  std::vector<hub_message> batch;
  batch.push_back(invocation_message{{}, "w", "Wait", {}, {}});
  batch.push_back(invocation_message{{}, "1", "Concat", {}, {"s"}});
  for (int i = 0; i < 1100; ++i) batch.push_back(stream_item_message{{}, "s", "x"});
  feed(a, std::move(batch));
  CAF_CHECK(a->closed);
  CAF_CHECK_EQUAL(stats().connections, 0u);
  a.closed = true;
}

CAF_TEST_FIXTURE_SCOPE_END()
