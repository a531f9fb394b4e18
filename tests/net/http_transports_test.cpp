// Server-Sent Events, long polling, HTTP POST sends, and the raw connection endpoint.
#include <future>

#include "test_support.hpp"

namespace actorhub::test {
namespace {

namespace json = boost::json;

class HttpTransports : public ::testing::Test {
 protected:
  virtual server_options options() { return test_options(); }
  void SetUp() override {
    s = std::make_unique<running_server>(options(), [this](server& srv) {
      srv.add_hub("/hub", hub);
      srv.add_raw_endpoint("/echo", echo);
    });
  }
  std::string token(const std::string& path = "/hub") {
    auto n = negotiate_json(s->port(), path);
    return std::string(n.at("connectionToken").as_string());
  }
  std::shared_ptr<echo_hub> hub = std::make_shared<echo_hub>();
  std::shared_ptr<echo_endpoint> echo = std::make_shared<echo_endpoint>();
  std::unique_ptr<running_server> s;
};

TEST_F(HttpTransports, ServerSentEventsCarryHubMessages) {
  auto t = token();
  int status = 0;
  auto sse = sse_client::open(s->port(), "/hub?id=" + t, &status);
  ASSERT_TRUE(sse) << status;
  EXPECT_NE(sse->header("content-type").value_or("").find("text/event-stream"), std::string::npos);
  auto post = http(s->port(), "POST", "/hub?id=" + t, handshake_request());
  EXPECT_EQ(post.status, 200);
  EXPECT_EQ(sse->next().value_or("?"), std::string("{}") + rs);
  // Text with a newline inside a string value stays one record; several records coalesce into events.
  EXPECT_EQ(http(s->port(), "POST", "/hub?id=" + t,
                 invocation("1", "Echo", R"(["line1\nline2"])") + invocation("2", "Echo", R"(["b"])")).status, 200);
  std::string got;
  while (records(got).size() < 2) {
    auto e = sse->next();
    ASSERT_TRUE(e);
    got += *e;
  }
  auto recs = records(got);
  EXPECT_EQ(recs[0].at("result").as_string(), "line1\nline2");
  EXPECT_EQ(recs[1].at("result").as_string(), "b");
  ASSERT_TRUE(hub->state.wait([&] { return hub->connections.size() == 1; }));
  EXPECT_EQ(hub->connection(0)->info().transport, "ServerSentEvents");
  // Closing the event stream ends the connection.
  sse->drop();
  EXPECT_TRUE(hub->state.wait([&] { return hub->closes.size() == 1; }));
  EXPECT_EQ(http(s->port(), "POST", "/hub?id=" + t, invocation("3", "Echo", "[1]")).status, 404);
}

TEST_F(HttpTransports, ServerSentEventsRules) {
  int status = 0;
  EXPECT_EQ(sse_client::open(s->port(), "/hub", &status), nullptr);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(sse_client::open(s->port(), "/hub?id=unknown", &status), nullptr);
  EXPECT_EQ(status, 404);
  auto t = token();
  auto first = sse_client::open(s->port(), "/hub?id=" + t, &status);
  ASSERT_TRUE(first);
  EXPECT_EQ(sse_client::open(s->port(), "/hub?id=" + t, &status), nullptr);
  EXPECT_EQ(status, 409);
  // MessagePack needs Binary: refused over SSE with a handshake error.
  EXPECT_EQ(http(s->port(), "POST", "/hub?id=" + t, handshake_request("messagepack")).status, 200);
  auto e = first->next();
  ASSERT_TRUE(e);
  auto recs = records(*e);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_TRUE(recs[0].contains("error"));
  EXPECT_TRUE(first->wait_closed());
}

TEST_F(HttpTransports, PostRules) {
  EXPECT_EQ(http(s->port(), "POST", "/hub", "x").status, 400);
  EXPECT_EQ(http(s->port(), "POST", "/hub?id=unknown", "x").status, 404);
  auto t = token();
  auto ws = ws_client::open(s->port(), "/hub?id=" + t);
  ASSERT_TRUE(ws);
  EXPECT_EQ(http(s->port(), "POST", "/hub?id=" + t, "x").status, 405);
  EXPECT_EQ(http(s->port(), "DELETE", "/hub?id=" + t).status, 400);
}

TEST_F(HttpTransports, LongPollingRoundTrip) {
  auto t = token();
  auto first = http(s->port(), "GET", "/hub?id=" + t);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, "");
  EXPECT_EQ(http(s->port(), "POST", "/hub?id=" + t, handshake_request()).status, 200);
  auto poll = http(s->port(), "GET", "/hub?id=" + t);
  EXPECT_EQ(poll.status, 200);
  EXPECT_EQ(poll.body, std::string("{}") + rs);
  // A poll waits for data.
  auto pending = std::async(std::launch::async, [&] { return http(s->port(), "GET", "/hub?id=" + t); });
  EXPECT_EQ(pending.wait_for(150ms), std::future_status::timeout);
  EXPECT_EQ(http(s->port(), "POST", "/hub?id=" + t, invocation("1", "Echo", R"(["lp"])")).status, 200);
  auto got = pending.get();
  EXPECT_EQ(got.status, 200);
  auto recs = records(got.body);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].at("result").as_string(), "lp");
  ASSERT_TRUE(hub->state.wait([&] { return hub->connections.size() == 1; }));
  EXPECT_EQ(hub->connection(0)->info().transport, "LongPolling");
  // Many records wait for the next poll and arrive together.
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(http(s->port(), "POST", "/hub?id=" + t, invocation(std::to_string(i), "Echo", "[1]")).status, 200);
  EXPECT_EQ(records(http(s->port(), "GET", "/hub?id=" + t).body).size(), 5u);
}

TEST_F(HttpTransports, NewerPollEndsOlderWith204AndDeleteCloses) {
  auto t = token();
  ASSERT_EQ(http(s->port(), "GET", "/hub?id=" + t).status, 200);
  ASSERT_EQ(http(s->port(), "POST", "/hub?id=" + t, handshake_request()).status, 200);
  ASSERT_EQ(http(s->port(), "GET", "/hub?id=" + t).body, std::string("{}") + rs);
  auto older = std::async(std::launch::async, [&] { return http(s->port(), "GET", "/hub?id=" + t); });
  ASSERT_EQ(older.wait_for(150ms), std::future_status::timeout);
  auto newer = std::async(std::launch::async, [&] { return http(s->port(), "GET", "/hub?id=" + t); });
  EXPECT_EQ(older.get().status, 204);
  ASSERT_EQ(newer.wait_for(100ms), std::future_status::timeout);
  EXPECT_EQ(http(s->port(), "DELETE", "/hub?id=" + t).status, 202);
  EXPECT_EQ(newer.get().status, 204);
  EXPECT_TRUE(hub->state.wait([&] { return hub->closes.size() == 1; }));
  EXPECT_EQ(http(s->port(), "GET", "/hub?id=" + t).status, 404);
}

TEST_F(HttpTransports, PostIsAnsweredAfterProcessingAndConcurrentPostIs409) {
  auto t = token();
  ASSERT_EQ(http(s->port(), "GET", "/hub?id=" + t).status, 200);
  ASSERT_EQ(http(s->port(), "POST", "/hub?id=" + t, handshake_request()).status, 200);
  hub->set_gate(false);
  auto blocked = std::async(std::launch::async, [&] {
    return http(s->port(), "POST", "/hub?id=" + t, invocation("", "Wait", "[]"));
  });
  ASSERT_TRUE(hub->state.wait([&] { return !hub->invocations.empty(); }));
  EXPECT_EQ(blocked.wait_for(50ms), std::future_status::timeout);  // not answered before processing ends
  EXPECT_EQ(http(s->port(), "POST", "/hub?id=" + t, invocation("", "Echo", "[1]")).status, 409);
  hub->set_gate(true);
  EXPECT_EQ(blocked.get().status, 200);
  EXPECT_EQ(http(s->port(), "POST", "/hub?id=" + t, invocation("", "Echo", "[1]")).status, 200);
}

class ShortPolls : public HttpTransports {
 protected:
  server_options options() override {
    auto o = test_options();
    o.poll_timeout = 300ms;
    o.disconnect_timeout = 500ms;
    return o;
  }
};

TEST_F(ShortPolls, PollTimeoutIsAnEmpty200AndAbandonedConnectionsEnd) {
  auto t = token();
  ASSERT_EQ(http(s->port(), "GET", "/hub?id=" + t).status, 200);
  ASSERT_EQ(http(s->port(), "POST", "/hub?id=" + t, handshake_request()).status, 200);
  ASSERT_EQ(http(s->port(), "GET", "/hub?id=" + t).body, std::string("{}") + rs);
  auto t0 = std::chrono::steady_clock::now();
  auto poll = http(s->port(), "GET", "/hub?id=" + t);
  EXPECT_EQ(poll.status, 200);
  EXPECT_EQ(poll.body, "");
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 250ms);
  // No more polls: after disconnect_timeout the connection is gone.
  EXPECT_TRUE(hub->state.wait([&] { return hub->closes.size() == 1; }, 3s));
}

TEST_F(HttpTransports, RawEchoOverWebSocketKeepsMessageKinds) {
  auto t = token("/echo");
  auto c = ws_client::open(s->port(), "/echo?id=" + t);
  ASSERT_TRUE(c);
  c->send("text one");
  c->send(std::string("\x00\x01\x02", 3), true);
  c->send("text two");
  auto a = c->next(), b = c->next(), d = c->next();
  ASSERT_TRUE(a && b && d);
  EXPECT_EQ(a->data, "text one");
  EXPECT_FALSE(a->binary);
  EXPECT_EQ(b->data, std::string("\x00\x01\x02", 3));
  EXPECT_TRUE(b->binary);
  EXPECT_EQ(d->data, "text two");
  c->close();
  EXPECT_TRUE(c->wait_closed());
  EXPECT_TRUE(echo->state.wait([&] { return echo->closed == 1; }));
}

TEST_F(HttpTransports, RawEchoOverLongPollingAndSse) {
  auto t = token("/echo");
  ASSERT_EQ(http(s->port(), "GET", "/echo?id=" + t).status, 200);
  ASSERT_EQ(http(s->port(), "POST", "/echo?id=" + t, "hello", {{"Content-Type", "text/plain"}}).status, 200);
  auto poll = http(s->port(), "GET", "/echo?id=" + t);
  EXPECT_EQ(poll.body, "hello");
  EXPECT_EQ(http(s->port(), "POST", "/echo?id=" + t, std::string("\xff\x00", 2),
                 {{"Content-Type", "application/octet-stream"}}).status, 200);
  poll = http(s->port(), "GET", "/echo?id=" + t);
  EXPECT_EQ(poll.body, std::string("\xff\x00", 2));
  EXPECT_NE(poll.header("content-type").value_or("").find("octet-stream"), std::string::npos);

  auto t2 = token("/echo");
  auto sse = sse_client::open(s->port(), "/echo?id=" + t2);
  ASSERT_TRUE(sse);
  ASSERT_EQ(http(s->port(), "POST", "/echo?id=" + t2, "a\nb").status, 200);
  EXPECT_EQ(sse->next().value_or("?"), "a\nb");
}

TEST(HttpTransportsStop, StopEndsLongPollingAndSse) {
  auto hub = std::make_shared<echo_hub>();
  auto s = std::make_unique<running_server>(test_options(), [&](server& srv) { srv.add_hub("/hub", hub); });
  auto lp = std::string(negotiate_json(s->port(), "/hub").at("connectionToken").as_string());
  ASSERT_EQ(http(s->port(), "GET", "/hub?id=" + lp).status, 200);
  ASSERT_EQ(http(s->port(), "POST", "/hub?id=" + lp, handshake_request()).status, 200);
  // The next poll comes on a connection the server has already accepted, after stop() began.
  http_connection poller(s->port());
  ASSERT_EQ(poller.request("GET", "/hub?id=" + lp).body, std::string("{}") + rs);
  auto st = std::string(negotiate_json(s->port(), "/hub").at("connectionToken").as_string());
  auto sse = sse_client::open(s->port(), "/hub?id=" + st);
  ASSERT_TRUE(sse);
  ASSERT_EQ(http(s->port(), "POST", "/hub?id=" + st, handshake_request()).status, 200);
  ASSERT_TRUE(sse->next());
  ASSERT_TRUE(hub->state.wait([&] { return hub->connections.size() == 2; }));
  s->get().stop();
  auto got = poller.request("GET", "/hub?id=" + lp);
  EXPECT_TRUE(s->stop(3s));
  EXPECT_EQ(got.status, 200);
  auto recs = records(got.body);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].at("type").as_int64(), 7);
  auto close = sse->next();
  ASSERT_TRUE(close);
  EXPECT_EQ(records(*close).at(0).at("type").as_int64(), 7);
  EXPECT_TRUE(sse->wait_closed());
  EXPECT_EQ(hub->closed(), 2u);
}

}  // namespace
}  // namespace actorhub::test
