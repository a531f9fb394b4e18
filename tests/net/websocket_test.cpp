// WebSockets + hub protocol: connect rules (404/409/skip negotiation), handshake errors and timeout,
// framing (multi-record frames, oversize, garbage), keep-alive and client timeout, close paths, the slow
// client, stop(), connection_info, metrics, and stateful reconnect.
#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include "monitoring/metrics.hpp"
#include "net/access_token.hpp"
#include "test_support.hpp"

namespace actorhub::test {
namespace {

namespace json = boost::json;

class WebSocket : public ::testing::Test {
 protected:
  virtual server_options options() { return test_options(); }
  void SetUp() override {
    s = std::make_unique<running_server>(options(), [this](server& srv) {
      srv.add_hub("/hub", hub);
      srv.add_hub("/sseonly", hub, transport_server_sent_events);
    }, m);
  }
  std::shared_ptr<metrics> m = std::make_shared<metrics>();
  std::shared_ptr<echo_hub> hub = std::make_shared<echo_hub>();
  std::unique_ptr<running_server> s;
};

TEST_F(WebSocket, NegotiatedConnectionEchoes) {
  std::string token;
  auto c = connect_json(s->port(), "/hub", 1, "negotiateVersion=1", &token);
  ASSERT_TRUE(c);
  c->send(invocation("1", "Echo", R"(["hello"])"));
  record_reader r(*c);
  auto done = r.next_type(3);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->at("invocationId").as_string(), "1");
  EXPECT_EQ(done->at("result").as_string(), "hello");
  ASSERT_TRUE(hub->state.wait([&] { return hub->connections.size() == 1; }));
  auto& info = hub->connection(0)->info();
  EXPECT_EQ(info.transport, "WebSockets");
  EXPECT_EQ(info.protocol, "json");
  EXPECT_EQ(info.hub, "hub");
  EXPECT_NE(info.connection_id, token);  // the public id, never the secret token
  EXPECT_EQ(hub->concurrent_violations.load(), 0);
}

TEST_F(WebSocket, TextFramesForJson) {
  auto c = connect_json(s->port());
  ASSERT_TRUE(c);
  c->send(invocation("1", "Echo", "[1]"));
  auto f = c->next();
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->binary);
}

TEST_F(WebSocket, SkipNegotiationStartsANewConnection) {
  auto c = ws_client::open(s->port(), "/HuB");
  ASSERT_TRUE(c);
  c->send(handshake_request());
  auto f = c->next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->data, std::string("{}") + rs);
  c->send(invocation("9", "Echo", R"(["x"])"));
  record_reader r(*c);
  EXPECT_TRUE(r.next_type(3));
}

TEST_F(WebSocket, UnknownIdIs404AndSecondTransportIs409) {
  int status = 0;
  EXPECT_EQ(ws_client::open(s->port(), "/hub?id=nope", {}, &status), nullptr);
  EXPECT_EQ(status, 404);
  auto n = negotiate_json(s->port(), "/hub");
  std::string token(n.at("connectionToken").as_string());
  auto first = ws_client::open(s->port(), "/hub?id=" + token);
  ASSERT_TRUE(first);
  EXPECT_EQ(ws_client::open(s->port(), "/hub?id=" + token, {}, &status), nullptr);
  EXPECT_EQ(status, 409);
  // The connectionId is not the token: it does not open the connection.
  EXPECT_EQ(ws_client::open(s->port(), "/hub?id=" + std::string(n.at("connectionId").as_string()), {}, &status), nullptr);
  EXPECT_EQ(status, 404);
  // A hub without WebSockets refuses the upgrade.
  EXPECT_EQ(ws_client::open(s->port(), "/sseonly", {}, &status), nullptr);
  EXPECT_EQ(status, 404);
}

TEST_F(WebSocket, UnknownProtocolIsAnErrorThenClose) {
  auto c = ws_client::open(s->port(), "/hub");
  ASSERT_TRUE(c);
  c->send(handshake_request("xml"));
  auto f = c->next();
  ASSERT_TRUE(f);
  auto recs = records(f->data);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].at("error").as_string(), "The protocol 'xml' is not supported.");
  EXPECT_TRUE(c->wait_closed());
  EXPECT_EQ(hub->connects(), 0u);
  EXPECT_GE(m->hub("hub").handshake_failures->Value(), 1);
}

TEST_F(WebSocket, UnsupportedVersionIsAnError) {
  auto c = ws_client::open(s->port(), "/hub");
  ASSERT_TRUE(c);
  c->send(handshake_request("json", 99));
  auto f = c->next();
  ASSERT_TRUE(f);
  auto recs = records(f->data);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_TRUE(recs[0].contains("error"));
  EXPECT_TRUE(c->wait_closed());
}

TEST_F(WebSocket, NonHandshakeFirstMessageCloses) {
  auto c = ws_client::open(s->port(), "/hub");
  ASSERT_TRUE(c);
  c->send(invocation("1", "Echo", "[1]"));
  auto f = c->next();
  ASSERT_TRUE(f);
  EXPECT_TRUE(records(f->data).at(0).contains("error"));
  EXPECT_TRUE(c->wait_closed());
  EXPECT_EQ(hub->connects(), 0u);
}

TEST_F(WebSocket, HandshakeSplitAcrossFramesAndFollowedByMessages) {
  auto c = ws_client::open(s->port(), "/hub");
  ASSERT_TRUE(c);
  auto hs = handshake_request();
  c->send(hs.substr(0, 5));
  c->send(hs.substr(5) + invocation("1", "Echo", R"(["same frame"])"));
  record_reader r(*c);
  auto first = r.next([](const json::object&) { return true; });
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->empty());  // {}
  auto done = r.next_type(3);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->at("result").as_string(), "same frame");
}

TEST_F(WebSocket, MultiRecordFramesAreDeliveredInOrder) {
  auto c = connect_json(s->port());
  ASSERT_TRUE(c);
  std::string frame;
  for (int i = 0; i < 20; ++i) frame += invocation(std::to_string(i), "Echo", "[" + std::to_string(i) + "]");
  // A record split across two frames too.
  std::string split = invocation("20", "Echo", "[20]");
  c->send(frame + split.substr(0, 10));
  c->send(split.substr(10));
  record_reader r(*c);
  for (int i = 0; i <= 20; ++i) {
    auto done = r.next_type(3);
    ASSERT_TRUE(done) << i;
    EXPECT_EQ(done->at("invocationId").as_string(), std::to_string(i));
  }
  EXPECT_EQ(hub->concurrent_violations.load(), 0);
}

TEST_F(WebSocket, OversizeMessageClosesWithError) {
  auto c = connect_json(s->port());
  ASSERT_TRUE(c);
  c->send(invocation("1", "Echo", "[\"" + std::string(40 * 1024, 'a') + "\"]"));
  record_reader r(*c);
  auto close = r.next_type(7);
  ASSERT_TRUE(close);
  EXPECT_NE(std::string(close->at("error").as_string()).find("Connection closed with an error."), std::string::npos);
  EXPECT_TRUE(c->wait_closed());
  EXPECT_TRUE(hub->state.wait([&] { return hub->closes.size() == 1; }));
  EXPECT_GE(m->hub("hub").closed_protocol_error->Value(), 1);
}

TEST_F(WebSocket, GarbageClosesWithErrorOthersUnaffected) {
  auto other = connect_json(s->port());
  ASSERT_TRUE(other);
  auto c = connect_json(s->port());
  ASSERT_TRUE(c);
  c->send(std::string("{not json") + rs);
  record_reader r(*c);
  auto close = r.next_type(7);
  ASSERT_TRUE(close);
  EXPECT_EQ(std::string(close->at("error").as_string()).rfind("Connection closed with an error.", 0), 0u);
  EXPECT_TRUE(c->wait_closed());
  other->send(invocation("1", "Echo", R"(["still here"])"));
  record_reader ro(*other);
  EXPECT_TRUE(ro.next_type(3));
}

TEST_F(WebSocket, ClientPingsAreSilent) {
  auto c = connect_json(s->port());
  ASSERT_TRUE(c);
  for (int i = 0; i < 3; ++i) c->send(std::string(R"({"type":6})") + rs);
  c->send(invocation("p", "Echo", "[1]"));
  auto f = c->next();
  ASSERT_TRUE(f);
  auto recs = records(f->data);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].at("type").as_int64(), 3);
}

TEST_F(WebSocket, CloseMessageFromClientClosesTransport) {
  auto c = connect_json(s->port());
  ASSERT_TRUE(c);
  c->send(std::string(R"({"type":7})") + rs);
  EXPECT_TRUE(c->wait_closed());
  EXPECT_EQ(c->close_code(), 1000);
  EXPECT_TRUE(hub->state.wait([&] { return hub->closes.size() == 1; }));
  EXPECT_FALSE(hub->closes[0].has_value()) << *hub->closes[0];
}

TEST_F(WebSocket, ClientCloseFrameIsAnsweredWith1000AndClosedOnce) {
  auto c = connect_json(s->port());
  ASSERT_TRUE(c);
  c->close(1000);
  EXPECT_TRUE(c->wait_closed());
  EXPECT_EQ(c->close_code(), 1000);
  EXPECT_TRUE(hub->state.wait([&] { return hub->closes.size() == 1; }));
  EXPECT_FALSE(hub->connection(0)->send(encode(ping_message{})));  // closed: sends are refused
  std::this_thread::sleep_for(100ms);  // on_closed must not come twice
  EXPECT_EQ(hub->closed(), 1u);
}

TEST_F(WebSocket, ServerCloseSendsCloseMessageWithError) {
  auto c = connect_json(s->port());
  ASSERT_TRUE(c);
  c->send(invocation("", "Close", R"(["bye"])"));
  record_reader r(*c);
  auto close = r.next_type(7);
  ASSERT_TRUE(close);
  EXPECT_EQ(close->at("error").as_string(), "bye");
  EXPECT_TRUE(c->wait_closed());
  EXPECT_TRUE(hub->state.wait([&] { return hub->closes.size() == 1; }));
  EXPECT_EQ(hub->closes[0].value_or(""), "bye");
}

TEST_F(WebSocket, ConnectionInfoFromTheConnectRequest) {
  auto token = sign_access_token(
      {{"nameid", value("alice")}, {"role", value("admin")}, {"exp", value(std::time(nullptr) + 600)}},
      test_options().access_key);
  auto c = ws_client::open(s->port(), "/hub?numRedirects=3&access_token=" + token,
                           {{"X-Custom", "Value"}, {"Cookie", "testCookie=testValue; other=2"}});
  ASSERT_TRUE(c);
  c->send(handshake_request());
  ASSERT_TRUE(c->next());
  ASSERT_TRUE(hub->state.wait([&] { return hub->connections.size() == 1; }));
  auto& info = hub->connection(0)->info();
  EXPECT_EQ(info.user_id, "alice");
  ASSERT_TRUE(info.claim("role"));
  EXPECT_EQ(*info.claim("role")->if_string(), "admin");
  EXPECT_EQ(info.header("x-custom").value_or(""), "Value");
  for (const auto& [k, v] : info.headers)
    for (char ch : k) EXPECT_FALSE(ch >= 'A' && ch <= 'Z') << k;
  EXPECT_EQ(info.query_value("numRedirects").value_or(""), "3");
  EXPECT_EQ(info.cookie("testCookie").value_or(""), "testValue");
  EXPECT_EQ(info.cookie("other").value_or(""), "2");
  EXPECT_TRUE(info.authenticated());
}

class WebSocketTimeouts : public WebSocket {
 protected:
  server_options options() override {
    auto o = test_options();
    o.keep_alive_interval = 100ms;
    o.client_timeout = 600ms;
    o.handshake_timeout = 300ms;
    return o;
  }
};

TEST_F(WebSocketTimeouts, IdleConnectionGetsPings) {
  auto c = connect_json(s->port());
  ASSERT_TRUE(c);
  record_reader r(*c);
  for (int i = 0; i < 3; ++i) {
    auto ping = r.next_type(6, 1s);
    ASSERT_TRUE(ping) << i;
    EXPECT_EQ(ping->size(), 1u);  // exactly {"type":6}
    c->send(std::string(R"({"type":6})") + rs);  // keep ourselves alive
  }
}

TEST_F(WebSocketTimeouts, SilentClientIsClosedWithTimeoutError) {
  auto c = connect_json(s->port());
  ASSERT_TRUE(c);
  record_reader r(*c);
  auto close = r.next_type(7, 3s);
  ASSERT_TRUE(close);
  EXPECT_EQ(close->at("error").as_string(), "Server timeout elapsed without receiving a message from the client.");
  EXPECT_TRUE(c->wait_closed());
  EXPECT_TRUE(hub->state.wait([&] { return hub->closes.size() == 1; }));
}

TEST_F(WebSocketTimeouts, MissingHandshakeIsDropped) {
  auto c = ws_client::open(s->port(), "/hub");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->wait_closed(3s));
  EXPECT_EQ(hub->connects(), 0u);
  EXPECT_GE(m->hub("hub").handshake_failures->Value(), 1);
}

class SlowClient : public WebSocket {
 protected:
  server_options options() override {
    auto o = test_options();
    o.max_buffer = 16 * 1024;
    o.send_timeout = 500ms;
    return o;
  }
};

TEST_F(SlowClient, NonReadingClientIsClosedAndMemoryStaysBounded) {
  auto reader = connect_json(s->port());
  ASSERT_TRUE(reader);
  int status = 0;
  auto slow = ws_client::open(s->port(), "/hub", {}, &status, /*read=*/false);
  ASSERT_TRUE(slow);
  slow->send(handshake_request());
  ASSERT_TRUE(hub->state.wait([&] { return hub->connections.size() == 2; }));
  // 64 MB towards a client that reads nothing: the server must give up long before.
  slow->send(invocation("", "Flood", "[4096, 16384]"));
  ASSERT_TRUE(hub->state.wait([&] { return hub->closes.size() == 1; }, 5s));
  EXPECT_GT(hub->flood_refused, 3000u);  // most sends were refused: nothing piled up
  EXPECT_GE(m->hub("hub").closed_slow->Value(), 1);
  // The other client is fine.
  reader->send(invocation("1", "Echo", "[1]"));
  record_reader r(*reader);
  EXPECT_TRUE(r.next_type(3));
}

TEST_F(WebSocket, MetricsCountConnectionsAndMessages) {
  auto& hm = m->hub("hub");
  {
    auto c = connect_json(s->port());
    ASSERT_TRUE(c);
    c->send(invocation("1", "Echo", "[1]") + invocation("", "Flood", "[3, 4]"));
    record_reader r(*c);
    ASSERT_TRUE(r.next_type(3));
    ASSERT_TRUE(r.next_type(1));
    EXPECT_EQ(hm.connections->Value(), 1);
    EXPECT_EQ(hm.messages_received->Value(), 2);
    EXPECT_GT(hm.bytes_received->Value(), 0);
    c->close();
    ASSERT_TRUE(c->wait_closed());
  }
  EXPECT_TRUE(hub->state.wait([&] { return hub->closes.size() == 1; }));
  EXPECT_EQ(hm.connections->Value(), 0);
  // Counted per written batch, after the write: all done by now (the client may read before the count).
  EXPECT_EQ(hm.messages_sent->Value(), 3);
  EXPECT_GT(hm.bytes_sent->Value(), 0);
}

TEST(WebSocketStop, StopClosesClientsWithCloseMessage) {
  auto hub = std::make_shared<echo_hub>();
  auto s = std::make_unique<running_server>(test_options(), [&](server& srv) { srv.add_hub("/hub", hub); });
  auto a = connect_json(s->port());
  auto b = connect_json(s->port());
  ASSERT_TRUE(a && b);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(s->stop(3s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2500ms);
  for (auto* c : {a.get(), b.get()}) {
    record_reader r(*c);
    auto close = r.next_type(7);
    ASSERT_TRUE(close);
    EXPECT_FALSE(close->contains("error"));
    EXPECT_TRUE(c->wait_closed());
  }
  EXPECT_EQ(hub->closed(), 2u);
}

TEST(WebSocketStop, StopEndsEvenWhenClientsDoNotCooperate) {
  auto hub = std::make_shared<echo_hub>();
  auto s = std::make_unique<running_server>(test_options(), [&](server& srv) { srv.add_hub("/hub", hub); });
  int status = 0;
  auto deaf = ws_client::open(s->port(), "/hub", {}, &status, /*read=*/false);
  ASSERT_TRUE(deaf);
  deaf->send(handshake_request());
  ASSERT_TRUE(hub->state.wait([&] { return hub->connections.size() == 1; }));
  auto idle_http = ws_client::open(s->port(), "/hub");  // never handshakes
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(s->stop(4s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_EQ(hub->closed(), 1u);
}

// ---------------------------------------------------------------- stateful reconnect

TEST_F(WebSocket, StatefulReconnectResumesAndReplays) {
  std::string token;
  auto c = connect_json(s->port(), "/hub", 2, "negotiateVersion=1&useStatefulReconnect=true", &token);
  ASSERT_TRUE(c);
  c->send(invocation("1", "Echo", R"(["one"])"));  // client sequence 1
  record_reader r(*c);
  auto done = r.next_type(3);  // server sequence 1
  ASSERT_TRUE(done);
  ASSERT_TRUE(hub->state.wait([&] { return hub->connections.size() == 1; }));
  auto conn = hub->connection(0);
  c->drop();  // the transport dies without a close
  ASSERT_TRUE(c->wait_closed());
  // Sent while the client is away: buffered (server sequence 2 and 3).
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(conn->send(encode(invocation_message{{}, std::nullopt, "Gap", {value("a")}, {}})));
  EXPECT_TRUE(conn->send(encode(invocation_message{{}, std::nullopt, "Gap", {value("b")}, {}})));
  EXPECT_EQ(hub->closed(), 0u);

  auto again = ws_client::open(s->port(), "/hub?id=" + token);
  ASSERT_TRUE(again);
  // The client announces its next id (2); its replay of id 1 is a duplicate and dropped.
  again->send(std::string(R"({"type":9,"sequenceId":1})") + rs + invocation("1", "Echo", R"(["one"])") +
              invocation("2", "Echo", R"(["two"])"));
  record_reader r2(*again);
  auto seq = r2.next_type(9);
  ASSERT_TRUE(seq);
  EXPECT_EQ(seq->at("sequenceId").as_int64(), 1);  // nothing was acknowledged: replay from 1
  auto replay1 = r2.next_type(3);
  ASSERT_TRUE(replay1);
  EXPECT_EQ(replay1->at("result").as_string(), "one");
  auto gap_a = r2.next_type(1);
  auto gap_b = r2.next_type(1);
  ASSERT_TRUE(gap_a && gap_b);
  EXPECT_EQ(gap_a->at("arguments").as_array()[0].as_string(), "a");
  EXPECT_EQ(gap_b->at("arguments").as_array()[0].as_string(), "b");
  auto two = r2.next_type(3);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->at("result").as_string(), "two");
  // Echo "one" ran once only (the replayed invocation was dropped as a duplicate).
  std::lock_guard<std::mutex> lk(hub->state.mutex());
  EXPECT_EQ(std::count(hub->invocations.begin(), hub->invocations.end(), "Echo"), 2);
  EXPECT_EQ(hub->connections.size(), 1u);
  EXPECT_EQ(hub->closes.size(), 0u);
}

TEST_F(WebSocket, StatefulAcksFreeTheBufferAndServerAcks) {
  std::string token;
  auto c = connect_json(s->port(), "/hub", 2, "negotiateVersion=1&useStatefulReconnect=true", &token);
  ASSERT_TRUE(c);
  c->send(invocation("1", "Echo", R"(["one"])"));
  record_reader r(*c);
  ASSERT_TRUE(r.next_type(3));
  auto ack = r.next_type(8, 3s);  // the server acknowledges our invocation
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->at("sequenceId").as_int64(), 1);
  c->send(std::string(R"({"type":8,"sequenceId":1})") + rs);  // we processed its Completion
  std::this_thread::sleep_for(100ms);
  c->drop();
  ASSERT_TRUE(c->wait_closed());
  std::this_thread::sleep_for(100ms);
  auto again = ws_client::open(s->port(), "/hub?id=" + token);
  ASSERT_TRUE(again);
  record_reader r2(*again);
  auto seq = r2.next_type(9);
  ASSERT_TRUE(seq);
  EXPECT_EQ(seq->at("sequenceId").as_int64(), 2);  // 1 was acknowledged: nothing to replay
}

TEST_F(WebSocket, WithoutStatefulReconnectADropEndsTheConnection) {
  std::string token;
  auto c = connect_json(s->port(), "/hub", 1, "negotiateVersion=1", &token);
  ASSERT_TRUE(c);
  c->drop();
  EXPECT_TRUE(hub->state.wait([&] { return hub->closes.size() == 1; }));
  int status = 0;
  EXPECT_EQ(ws_client::open(s->port(), "/hub?id=" + token, {}, &status), nullptr);
  EXPECT_EQ(status, 404);
}

}  // namespace
}  // namespace actorhub::test
