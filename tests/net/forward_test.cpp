// No sticky sessions: id prefixes, transport requests forwarded to the endpoint hosting their connection
// (WebSocket splice, SSE and long-polling streams, POST, DELETE, keep-alive hand-back), the no-loop rule,
// unreachable targets, bounded relay buffers, and stateful-reconnect connections exported from one endpoint and
// imported into another. Two servers A and B run in this process; the locator maps each one's prefix to its port.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <map>

#include <prometheus/counter.h>

#include "monitoring/metrics.hpp"
#include "net/transport/proxy_http.hpp"
#include "test_support.hpp"

namespace actorhub::test {
namespace {

namespace json = boost::json;

// ---- plain sockets (a silent reader, a fake upstream)

int connect_to(std::uint16_t port, int rcvbuf = 0) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (rcvbuf) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int listen_any(std::uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(fd, 16);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

bool send_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    auto n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads until `marker` was seen (or the timeout / EOF); returns what was read.
std::string read_until(int fd, const std::string& marker, std::chrono::milliseconds timeout = 3s) {
  std::string out;
  auto end = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (out.find(marker) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

double counter_value(prometheus::Counter* c) { return c ? c->Value() : 0; }

// ---- the proxy's HTTP pieces

TEST(ProxyHttp, UpstreamRequestHead) {
  http_request req;
  req.method = "POST";
  req.target = "/hub?id=a1.x";
  req.headers = {{"host", "h"}, {"connection", "keep-alive"}, {"x-forwarded-for", "10.0.0.1"},
                 {"content-length", "2"}, {"x-actorhub-forwarded", "0"}, {"cookie", "a=b"}};
  req.body = "{}";
  auto head = transport::upstream_request_head(req, 11, false, "127.0.0.2");
  EXPECT_EQ(head,
            "POST /hub?id=a1.x HTTP/1.1\r\nhost: h\r\ncookie: a=b\r\nx-forwarded-for: 10.0.0.1, 127.0.0.2\r\n"
            "x-actorhub-forwarded: 1\r\ncontent-length: 2\r\nconnection: close\r\n\r\n");
  req.method = "GET";
  req.body.clear();
  req.headers = {{"upgrade", "websocket"}, {"connection", "Upgrade"}, {"sec-websocket-key", "k"}};
  EXPECT_EQ(transport::upstream_request_head(req, 11, true, ""),
            "GET /hub?id=a1.x HTTP/1.1\r\nupgrade: websocket\r\nsec-websocket-key: k\r\n"
            "x-actorhub-forwarded: 1\r\nconnection: Upgrade\r\n\r\n");
}

TEST(ProxyHttp, ResponseHeadParseAndRewrite) {
  auto h = transport::parse_response_head(
      "HTTP/1.1 200 OK\r\nServer: actorhub\r\nConnection: close\r\nContent-Length: 12\r\n\r\n", false);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(h->body, transport::body_kind::length);
  EXPECT_EQ(h->length, 12u);
  EXPECT_EQ(transport::client_response_head(*h, true), "HTTP/1.1 200 OK\r\nServer: actorhub\r\nContent-Length: 12\r\n\r\n");
  EXPECT_EQ(transport::client_response_head(*h, false),
            "HTTP/1.1 200 OK\r\nServer: actorhub\r\nContent-Length: 12\r\nConnection: close\r\n\r\n");
  auto chunked = transport::parse_response_head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false);
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->body, transport::body_kind::chunked);
  auto sse10 = transport::parse_response_head("HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\n\r\n", false);
  ASSERT_TRUE(sse10);
  EXPECT_EQ(sse10->body, transport::body_kind::until_close);
  auto nobody = transport::parse_response_head("HTTP/1.1 204 No Content\r\n\r\n", false);
  ASSERT_TRUE(nobody);
  EXPECT_EQ(nobody->body, transport::body_kind::none);
  EXPECT_FALSE(transport::parse_response_head("HTTP/1.1 2x0 OK\r\n\r\n", false));
  EXPECT_FALSE(transport::parse_response_head("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", false));
  EXPECT_FALSE(transport::parse_response_head("garbage\r\n\r\n", false));
}

TEST(ProxyHttp, ChunkedFramingFindsTheEnd) {
  const std::string body = "5\r\nhello\r\n1;x=y\r\n!\r\n0\r\nT: 1\r\n\r\n";
  for (std::size_t step : {std::size_t{1}, std::size_t{3}, body.size()}) {
    transport::body_framing f(transport::body_kind::chunked);
    std::size_t taken = 0;
    for (std::size_t i = 0; i < body.size() && !f.done(); i += step) {
      auto n = std::min(step, body.size() - i);
      taken += f.feed(body.data() + i, n);
      ASSERT_FALSE(f.failed());
    }
    EXPECT_TRUE(f.done());
    EXPECT_EQ(taken, body.size());
  }
  transport::body_framing extra(transport::body_kind::chunked);
  std::string more = "0\r\n\r\nNEXT";
  EXPECT_EQ(extra.feed(more.data(), more.size()), 5u);  // what follows the body is not part of it
  EXPECT_TRUE(extra.done());
  transport::body_framing bad(transport::body_kind::chunked);
  std::string junk = "zz\r\n";
  bad.feed(junk.data(), junk.size());
  EXPECT_TRUE(bad.failed());
  transport::body_framing sized(transport::body_kind::length, 3);
  EXPECT_EQ(sized.feed("abcd", 4), 3u);
  EXPECT_TRUE(sized.done());
}

// ---- two endpoints

class Forward : public ::testing::Test {
 protected:
  void SetUp() override {
    auto oa = test_options();
    oa.id_prefix = "a1.";
    auto ob = test_options();
    ob.id_prefix = "b2.";
    a = std::make_unique<running_server>(oa, [this](server& srv) {
      srv.add_hub("/hub", hub_a);
      srv.add_raw_endpoint("/echo", echo_a);
    }, ma);
    b = std::make_unique<running_server>(ob, [this](server& srv) {
      srv.add_hub("/hub", hub_b);
      srv.add_raw_endpoint("/echo", echo_b);
    }, mb);
    auto locate = [this](std::string_view token) -> std::optional<std::string> {
      std::lock_guard<std::mutex> lk(mu);
      if (auto it = moved.find(std::string(token)); it != moved.end()) return it->second;
      for (const auto& [prefix, address] : prefixes)
        if (token.substr(0, prefix.size()) == prefix) return address;
      return std::nullopt;
    };
    prefixes["a1."] = "127.0.0.1:" + std::to_string(a->port());
    prefixes["b2."] = "127.0.0.1:" + std::to_string(b->port());
    a->get().set_locator(locate);
    b->get().set_locator(locate);
  }

  std::string token_on_a(const std::string& query = "negotiateVersion=1") {
    auto n = negotiate_json(a->port(), "/hub", query);
    auto* t = n.if_contains("connectionToken");
    if (!t) t = n.if_contains("connectionId");
    return t ? std::string(t->as_string()) : std::string();
  }
  double forwarded_b() { return counter_value(mb->hub("hub").forwarded_requests); }

  std::shared_ptr<echo_hub> hub_a = std::make_shared<echo_hub>();
  std::shared_ptr<echo_hub> hub_b = std::make_shared<echo_hub>();
  std::shared_ptr<echo_endpoint> echo_a = std::make_shared<echo_endpoint>();
  std::shared_ptr<echo_endpoint> echo_b = std::make_shared<echo_endpoint>();
  std::shared_ptr<metrics> ma = std::make_shared<metrics>();
  std::shared_ptr<metrics> mb = std::make_shared<metrics>();
  std::mutex mu;                                 // (before the servers: their locators use these)
  std::map<std::string, std::string> prefixes;  // token prefix -> address
  std::map<std::string, std::string> moved;     // token -> address (exported connections)
  std::unique_ptr<running_server> a;
  std::unique_ptr<running_server> b;
};

TEST_F(Forward, IdsStartWithThePrefix) {
  auto v1 = negotiate_json(a->port(), "/hub");
  std::string id(v1.at("connectionId").as_string()), token(v1.at("connectionToken").as_string());
  EXPECT_EQ(id.rfind("a1.", 0), 0u);
  EXPECT_EQ(token.rfind("a1.", 0), 0u);
  EXPECT_NE(id, token);
  EXPECT_EQ(id.size(), 3u + 22u);  // the prefix, then the 128-bit random part as before
  auto v1b = negotiate_json(a->port(), "/hub");
  EXPECT_NE(v1b.at("connectionToken").as_string(), token);
  auto v0 = negotiate_json(a->port(), "/hub", "");
  EXPECT_EQ(std::string(v0.at("connectionId").as_string()).rfind("a1.", 0), 0u);
  EXPECT_FALSE(v0.contains("connectionToken"));
  // WebSockets without negotiate.
  auto c = ws_client::open(b->port(), "/hub");
  ASSERT_TRUE(c);
  c->send(handshake_request());
  ASSERT_TRUE(hub_b->state.wait([&] { return hub_b->connections.size() == 1; }));
  EXPECT_EQ(hub_b->connection(0)->info().connection_id.rfind("b2.", 0), 0u);
  EXPECT_EQ(forwarded_b(), 0);
}

TEST_F(Forward, WebSocketThroughAnotherEndpoint) {
  auto t = token_on_a();
  int status = 0;
  auto c = ws_client::open(b->port(), "/hub?id=" + t, {{"X-Custom", "v"}}, &status);
  ASSERT_TRUE(c) << status;
  c->send(handshake_request());
  auto hs = c->next();
  ASSERT_TRUE(hs);
  EXPECT_EQ(hs->data, std::string("{}") + rs);
  record_reader r(*c);
  for (int i = 0; i < 20; ++i) {
    c->send(invocation(std::to_string(i), "Echo", "[\"" + std::string(1000 * i, 'x') + "\"]"));
    auto done = r.next_type(3);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->at("result").as_string().size(), 1000u * i);
  }
  ASSERT_TRUE(hub_a->state.wait([&] { return hub_a->connections.size() == 1; }));
  EXPECT_EQ(hub_b->connects(), 0u);
  auto& info = hub_a->connection(0)->info();
  EXPECT_EQ(info.connection_id.rfind("a1.", 0), 0u);
  EXPECT_EQ(info.transport, "WebSockets");
  EXPECT_EQ(info.header("x-custom").value_or(""), "v");
  EXPECT_EQ(info.header("x-forwarded-for").value_or(""), "127.0.0.1");
  EXPECT_EQ(forwarded_b(), 1);
  EXPECT_GT(counter_value(mb->hub("hub").forwarded_bytes), 20000);
  // A server-initiated close reaches the client through the splice; A's connection ends once.
  c->send(invocation("", "Close", R"(["bye"])"));
  auto close = r.next_type(7);
  ASSERT_TRUE(close);
  EXPECT_EQ(close->at("error").as_string(), "bye");
  EXPECT_TRUE(c->wait_closed());
  EXPECT_TRUE(hub_a->state.wait([&] { return hub_a->closes.size() == 1; }));
  // The id is gone on A: B forwards, A answers 404 itself.
  EXPECT_EQ(ws_client::open(b->port(), "/hub?id=" + t, {}, &status), nullptr);
  EXPECT_EQ(status, 404);
}

TEST_F(Forward, ClientDropEndsTheConnectionOnTheHost) {
  auto t = token_on_a();
  auto c = ws_client::open(b->port(), "/hub?id=" + t);
  ASSERT_TRUE(c);
  c->send(handshake_request());
  ASSERT_TRUE(c->next());
  ASSERT_TRUE(hub_a->state.wait([&] { return hub_a->connections.size() == 1; }));
  c->drop();
  EXPECT_TRUE(hub_a->state.wait([&] { return hub_a->closes.size() == 1; }));
}

TEST_F(Forward, StoppingTheForwardingEndpointCutsItsRelays) {
  auto t = token_on_a();
  auto c = ws_client::open(b->port(), "/hub?id=" + t);
  ASSERT_TRUE(c);
  c->send(handshake_request());
  ASSERT_TRUE(c->next());
  auto sse_token = token_on_a();
  auto sse = sse_client::open(b->port(), "/hub?id=" + sse_token);
  ASSERT_TRUE(sse);
  ASSERT_EQ(http(a->port(), "POST", "/hub?id=" + sse_token, handshake_request()).status, 200);
  ASSERT_EQ(sse->next().value_or("?"), std::string("{}") + rs);
  ASSERT_TRUE(hub_a->state.wait([&] { return hub_a->connections.size() == 2; }));
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(b->stop(4s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_TRUE(c->wait_closed());
  EXPECT_TRUE(sse->wait_closed());
  // A lost both transports (no stateful reconnect here): its connections end.
  EXPECT_TRUE(hub_a->state.wait([&] { return hub_a->closes.size() == 2; }, 5s));
}

TEST_F(Forward, ServerSentEventsAndPostsThroughAnotherEndpoint) {
  auto t = token_on_a();
  int status = 0;
  auto sse = sse_client::open(b->port(), "/hub?id=" + t, &status);
  ASSERT_TRUE(sse) << status;
  EXPECT_NE(sse->header("content-type").value_or("").find("text/event-stream"), std::string::npos);
  EXPECT_EQ(http(b->port(), "POST", "/hub?id=" + t, handshake_request()).status, 200);
  EXPECT_EQ(sse->next().value_or("?"), std::string("{}") + rs);
  EXPECT_EQ(http(b->port(), "POST", "/hub?id=" + t, invocation("1", "Echo", R"(["over sse"])")).status, 200);
  auto e = sse->next();
  ASSERT_TRUE(e);
  auto recs = records(*e);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].at("result").as_string(), "over sse");
  ASSERT_TRUE(hub_a->state.wait([&] { return hub_a->connections.size() == 1; }));
  EXPECT_EQ(hub_a->connection(0)->info().transport, "ServerSentEvents");
  EXPECT_EQ(hub_b->connects(), 0u);
  // The client closing the stream at B ends the connection at A.
  sse->drop();
  EXPECT_TRUE(hub_a->state.wait([&] { return hub_a->closes.size() == 1; }));
  EXPECT_EQ(http(b->port(), "POST", "/hub?id=" + t, invocation("2", "Echo", "[1]")).status, 404);
}

TEST_F(Forward, LongPollingThroughAnotherEndpoint) {
  auto t = token_on_a();
  // Every request on one keep-alive connection to B: the socket goes back to B's HTTP session after each.
  http_connection conn(b->port());
  ASSERT_TRUE(conn.connected());
  auto first = conn.request("GET", "/hub?id=" + t);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, "");
  EXPECT_EQ(conn.request("POST", "/hub?id=" + t, handshake_request()).status, 200);
  EXPECT_EQ(conn.request("GET", "/hub?id=" + t).body, std::string("{}") + rs);
  // A held poll is relayed when A answers it.
  auto pending = std::async(std::launch::async, [&] { return http(b->port(), "GET", "/hub?id=" + t); });
  EXPECT_EQ(pending.wait_for(200ms), std::future_status::timeout);
  EXPECT_EQ(conn.request("POST", "/hub?id=" + t, invocation("1", "Echo", R"(["lp"])")).status, 200);
  auto got = pending.get();
  EXPECT_EQ(got.status, 200);
  auto recs = records(got.body);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].at("result").as_string(), "lp");
  ASSERT_TRUE(hub_a->state.wait([&] { return hub_a->connections.size() == 1; }));
  EXPECT_EQ(hub_a->connection(0)->info().transport, "LongPolling");
  // DELETE through B: 202, the pending poll completes with 204, the connection ends at A.
  auto last = std::async(std::launch::async, [&] { return http(b->port(), "GET", "/hub?id=" + t); });
  ASSERT_EQ(last.wait_for(200ms), std::future_status::timeout);
  EXPECT_EQ(conn.request("DELETE", "/hub?id=" + t).status, 202);
  EXPECT_EQ(last.get().status, 204);
  EXPECT_TRUE(hub_a->state.wait([&] { return hub_a->closes.size() == 1; }));
  EXPECT_EQ(conn.request("GET", "/hub?id=" + t).status, 404);
  // Local requests still work on the same connection afterwards.
  EXPECT_EQ(conn.request("GET", "/healthz").status, 200);
  EXPECT_EQ(hub_b->connects(), 0u);
  EXPECT_GE(forwarded_b(), 7);
}

TEST_F(Forward, RawEndpointThroughAnotherEndpoint) {
  auto n = negotiate_json(a->port(), "/echo");
  std::string t(n.at("connectionToken").as_string());
  auto c = ws_client::open(b->port(), "/echo?id=" + t);
  ASSERT_TRUE(c);
  c->send(std::string("\x01\x02\x00\x03", 4), true);
  auto f = c->next();
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->binary);
  EXPECT_EQ(f->data, std::string("\x01\x02\x00\x03", 4));
}

TEST_F(Forward, UnknownIdsAre404AndNeverLoop) {
  // The locator knows nothing: B answers itself.
  EXPECT_EQ(http(b->port(), "GET", "/hub?id=zz.unknown").status, 404);
  EXPECT_EQ(forwarded_b(), 0);
  // A's prefix but unknown at A: forwarded once, A answers 404.
  auto r = http(b->port(), "POST", "/hub?id=a1.nosuchconnection", "x");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "No Connection with that ID");
  EXPECT_EQ(forwarded_b(), 1);
  EXPECT_EQ(counter_value(ma->hub("hub").forwarded_requests), 0);
  // A locator that names the endpoint itself: forwarded once to itself, then answered.
  {
    std::lock_guard<std::mutex> lk(mu);
    prefixes["zz."] = "127.0.0.1:" + std::to_string(b->port());
  }
  EXPECT_EQ(http(b->port(), "GET", "/hub?id=zz.self", {}, {{"Accept", "text/event-stream"}}).status, 404);
  EXPECT_EQ(forwarded_b(), 2);
  // A request already marked as forwarded is never forwarded again.
  EXPECT_EQ(http(b->port(), "DELETE", "/hub?id=a1.x", {}, {{"X-Actorhub-Forwarded", "1"}}).status, 404);
  EXPECT_EQ(forwarded_b(), 2);
  // Negotiate is always answered locally.
  auto n = negotiate_json(b->port(), "/hub");
  EXPECT_EQ(std::string(n.at("connectionToken").as_string()).rfind("b2.", 0), 0u);
}

TEST_F(Forward, UnreachableHostIs502) {
  std::uint16_t dead = 0;
  int fd = listen_any(dead);
  ::close(fd);  // nothing listens there any more
  {
    std::lock_guard<std::mutex> lk(mu);
    prefixes["dd."] = "127.0.0.1:" + std::to_string(dead);
    prefixes["bad."] = "no port here";
  }
  auto t0 = std::chrono::steady_clock::now();
  auto r = http(b->port(), "GET", "/hub?id=dd.x");
  EXPECT_EQ(r.status, 502);
  EXPECT_NE(r.body.find("unreachable"), std::string::npos) << r.body;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  int status = 0;
  EXPECT_EQ(ws_client::open(b->port(), "/hub?id=dd.x", {}, &status), nullptr);
  EXPECT_EQ(status, 502);
  EXPECT_EQ(http(b->port(), "POST", "/hub?id=bad.x", "{}").status, 502);
  // A host that accepts and closes without answering.
  std::uint16_t rude_port = 0;
  int rude = listen_any(rude_port);
  std::thread closer([rude] {
    int c = ::accept(rude, nullptr, nullptr);
    read_until(c, "\r\n\r\n");
    ::close(c);
  });
  {
    std::lock_guard<std::mutex> lk(mu);
    prefixes["rr."] = "127.0.0.1:" + std::to_string(rude_port);
  }
  auto rr = http(b->port(), "GET", "/hub?id=rr.x");
  closer.join();
  ::close(rude);
  EXPECT_EQ(rr.status, 502);
  EXPECT_NE(rr.body.find("without a response"), std::string::npos) << rr.body;
}

// A fake hosting endpoint that answers the forwarded request with `head` and then writes as fast as the relay
// takes it; returns how many bytes it got written after `first` and after `first` + `more`.
std::pair<std::size_t, std::size_t> flood_through(std::uint16_t b_port, int listen_fd, const std::string& request,
                                                  const std::string& head, std::chrono::milliseconds first,
                                                  std::chrono::milliseconds more,
                                                  std::string* forwarded_request = nullptr) {
  int client = connect_to(b_port, 4096);
  EXPECT_GE(client, 0);
  EXPECT_TRUE(send_all(client, request));
  int up = ::accept(listen_fd, nullptr, nullptr);
  auto req = read_until(up, "\r\n\r\n");
  if (forwarded_request) *forwarded_request = req;
  send_all(up, head);
  ::fcntl(up, F_SETFL, ::fcntl(up, F_GETFL) | O_NONBLOCK);
  std::string chunk(64 * 1024, 'z');
  std::size_t total = 0;
  auto write_for = [&](std::chrono::milliseconds d) {
    auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) {
      auto n = ::send(up, chunk.data(), chunk.size(), MSG_NOSIGNAL);
      if (n > 0) {
        total += static_cast<std::size_t>(n);
        continue;
      }
      pollfd p{up, POLLOUT, 0};
      ::poll(&p, 1, 50);
    }
    return total;
  };
  std::pair<std::size_t, std::size_t> out;
  out.first = write_for(first);
  out.second = write_for(more);
  ::close(up);
  ::close(client);
  return out;
}

TEST_F(Forward, ASlowReaderDoesNotGrowTheRelay) {
  std::uint16_t fake_port = 0;
  int fake = listen_any(fake_port);
  {
    std::lock_guard<std::mutex> lk(mu);
    prefixes["ff."] = "127.0.0.1:" + std::to_string(fake_port);
  }
  // Once the kernel buffers on the way are full (a few MiB on loopback), the relay stops reading: the upstream
  // cannot write any more however long it tries. An unbounded relay would take everything offered.
  constexpr std::size_t bound = 24u << 20;
  constexpr std::size_t growth = 256u << 10;  // the relay's own buffers are 64 KiB per direction
  std::string forwarded;
  auto [streamed, streamed_later] =
      flood_through(b->port(), fake, "GET /hub?id=ff.stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n",
                    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n", 1500ms, 1000ms, &forwarded);
  EXPECT_GT(streamed, 0u);
  EXPECT_LT(streamed, bound);
  EXPECT_LT(streamed_later - streamed, growth);
  EXPECT_NE(forwarded.find("x-actorhub-forwarded: 1"), std::string::npos) << forwarded;
  EXPECT_NE(forwarded.find("x-forwarded-for: 127.0.0.1"), std::string::npos) << forwarded;
  EXPECT_NE(forwarded.find("connection: close"), std::string::npos) << forwarded;
  auto [spliced, spliced_later] = flood_through(
      b->port(), fake,
      "GET /hub?id=ff.ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
      1500ms, 1000ms, &forwarded);
  EXPECT_GT(spliced, 0u);
  EXPECT_LT(spliced, bound);
  EXPECT_LT(spliced_later - spliced, growth);
  EXPECT_NE(forwarded.find("upgrade: websocket"), std::string::npos) << forwarded;
  ::close(fake);
}

TEST_F(Forward, RelayedResponsesKeepTheirFraming) {
  std::uint16_t fake_port = 0;
  int fake = listen_any(fake_port);
  {
    std::lock_guard<std::mutex> lk(mu);
    prefixes["ff."] = "127.0.0.1:" + std::to_string(fake_port);
  }
  std::thread host([fake] {
    for (int i = 0; i < 2; ++i) {
      int up = ::accept(fake, nullptr, nullptr);
      read_until(up, "\r\n\r\n");
      if (i == 0) {
        send_all(up, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n");
      } else {
        send_all(up, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbody");
      }
      ::close(up);
    }
  });
  http_connection conn(b->port());
  auto chunked = conn.request("GET", "/hub?id=ff.1");
  EXPECT_EQ(chunked.status, 200);
  EXPECT_EQ(chunked.body, "hello world");
  auto sized = conn.request("GET", "/hub?id=ff.2");  // the same client connection: kept alive
  EXPECT_EQ(sized.status, 200);
  EXPECT_EQ(sized.body, "body");
  EXPECT_FALSE(sized.header("connection").has_value());
  host.join();
  ::close(fake);
}

// ---------------------------------------------------------------- export / import

class Handover : public Forward {};

TEST_F(Handover, ExportedConnectionResumesOnAnotherEndpoint) {
  std::string token;
  auto c = connect_json(a->port(), "/hub", 2, "negotiateVersion=1&useStatefulReconnect=true", &token);
  ASSERT_TRUE(c);
  c->send(invocation("1", "Echo", R"(["one"])"));  // client id 1
  record_reader r(*c);
  ASSERT_TRUE(r.next_type(3));  // server id 1
  ASSERT_TRUE(hub_a->state.wait([&] { return hub_a->connections.size() == 1; }));
  auto conn_a = hub_a->connection(0);
  EXPECT_TRUE(conn_a->send(encode(invocation_message{{}, std::nullopt, "Before", {value("x")}, {}})));  // id 2
  std::this_thread::sleep_for(50ms);

  std::unique_ptr<hub_inbound> taken;
  observed took;
  auto snap = a->get().export_session(token, [&](std::unique_ptr<hub_inbound> in) {
    took.update([&] { taken = std::move(in); });
  });
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->token, token);
  EXPECT_EQ(snap->connection_id, conn_a->info().connection_id);
  EXPECT_EQ(snap->hub_path, "/hub");
  EXPECT_EQ(snap->protocol, "json");
  EXPECT_TRUE(snap->stateful);
  EXPECT_EQ(snap->info.transport, "WebSockets");
  EXPECT_EQ(snap->next_outbound_seq, 3);
  EXPECT_EQ(snap->last_inbound_seq, 1);
  ASSERT_EQ(snap->unacked.size(), 2u);  // the client acknowledged nothing yet
  EXPECT_EQ(snap->unacked[0].seq, 1);
  EXPECT_EQ(records(snap->unacked[0].bytes).at(0).at("result").as_string(), "one");
  EXPECT_EQ(records(snap->unacked[1].bytes).at(0).at("target").as_string(), "Before");
  // Abrupt close, no Close message; the hub layer is told nothing; the receiver is handed over.
  EXPECT_TRUE(c->wait_closed());
  EXPECT_FALSE(r.next_type(7, 100ms));
  ASSERT_TRUE(took.wait([&] { return taken != nullptr; }));
  EXPECT_EQ(hub_a->closed(), 0u);
  EXPECT_FALSE(conn_a->send(encode(invocation_message{{}, std::nullopt, "Lost", {}, {}})));
  EXPECT_FALSE(a->get().export_session(token));  // gone here

  ASSERT_TRUE(b->get().import_session(*snap));
  EXPECT_FALSE(b->get().import_session(*snap));  // the token is taken now
  {
    std::lock_guard<std::mutex> lk(mu);
    moved[token] = "127.0.0.1:" + std::to_string(b->port());
  }
  ASSERT_TRUE(hub_b->state.wait([&] { return hub_b->connections.size() == 1; }));
  auto conn_b = hub_b->connection(0);
  EXPECT_EQ(conn_b->info().connection_id, snap->connection_id);
  EXPECT_EQ(conn_b->protocol().name(), "json");
  // Sent while the client is away: kept for the replay (ids 3, 4).
  EXPECT_TRUE(conn_b->send(encode(invocation_message{{}, std::nullopt, "Gap", {value("a")}, {}})));
  EXPECT_TRUE(conn_b->send(encode(invocation_message{{}, std::nullopt, "Gap", {value("b")}, {}})));

  // The client reconnects where it was (A), which forwards to B.
  auto again = ws_client::open(a->port(), "/hub?id=" + token);
  ASSERT_TRUE(again);
  again->send(std::string(R"({"type":9,"sequenceId":1})") + rs + invocation("1", "Echo", R"(["one"])") +
              invocation("2", "Echo", R"(["two"])"));
  record_reader r2(*again);
  auto seq = r2.next_type(9);
  ASSERT_TRUE(seq);
  EXPECT_EQ(seq->at("sequenceId").as_int64(), 1);
  std::vector<std::string> got;
  for (int i = 0; i < 5; ++i) {
    auto m = r2.next([](const json::object& o) {
      auto t = o.at("type").as_int64();
      return t == 1 || t == 3;
    });
    ASSERT_TRUE(m) << i;
    got.push_back(m->at("type").as_int64() == 3 ? std::string(m->at("result").as_string())
                                                : std::string(m->at("target").as_string()));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"one", "Before", "Gap", "Gap", "two"}));
  EXPECT_FALSE(r2.next_type(3, 200ms));  // nothing twice
  {
    std::lock_guard<std::mutex> lk(hub_b->state.mutex());
    EXPECT_EQ(hub_b->invocations, std::vector<std::string>{"Echo"});  // the replayed "one" ran on A only
  }
  EXPECT_EQ(hub_b->closed(), 0u);
  EXPECT_EQ(hub_a->closed(), 0u);
  EXPECT_EQ(counter_value(ma->hub("hub").forwarded_requests), 1);
}

TEST_F(Handover, HeldExportClosesOnlyWhenAsked) {
  std::string token;
  auto c = connect_json(a->port(), "/hub", 2, "negotiateVersion=1&useStatefulReconnect=true", &token);
  ASSERT_TRUE(c);
  auto snap = a->get().export_session(token, {}, /*close_transport=*/false);
  ASSERT_TRUE(snap);
  EXPECT_FALSE(c->wait_closed(200ms));
  c->send(invocation("1", "Echo", R"(["ignored"])"));  // the detached connection is silent
  EXPECT_FALSE(c->next(200ms));
  ASSERT_TRUE(b->get().import_session(*snap));
  EXPECT_TRUE(a->get().close_exported(token));
  EXPECT_FALSE(a->get().close_exported(token));
  EXPECT_TRUE(c->wait_closed());
  // The client's invocation sent to the detached connection was not processed: it resends it to B.
  auto again = ws_client::open(b->port(), "/hub?id=" + token);
  ASSERT_TRUE(again);
  again->send(std::string(R"({"type":9,"sequenceId":1})") + rs + invocation("1", "Echo", R"(["again"])"));
  record_reader r(*again);
  auto done = r.next_type(3);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->at("result").as_string(), "again");
  {
    std::lock_guard<std::mutex> lk(hub_a->state.mutex());
    EXPECT_TRUE(hub_a->invocations.empty());
  }
}

TEST_F(Handover, OnlyOpenStatefulWebSocketsMove) {
  std::string plain;
  auto c = connect_json(a->port(), "/hub", 1, "negotiateVersion=1", &plain);
  ASSERT_TRUE(c);
  EXPECT_FALSE(a->get().export_session(plain));
  EXPECT_FALSE(a->get().export_session("a1.unknown"));
  std::string stateful_v1;  // negotiated, but a version-1 handshake: no stateful reconnect
  auto c1 = connect_json(a->port(), "/hub", 1, "negotiateVersion=1&useStatefulReconnect=true", &stateful_v1);
  ASSERT_TRUE(c1);
  EXPECT_FALSE(a->get().export_session(stateful_v1));
  EXPECT_FALSE(c->wait_closed(100ms));
  // Imports that do not fit are refused.
  session_snapshot s;
  s.connection_id = "x";
  s.token = "b2.t";
  s.hub_path = "/nohub";
  s.protocol = "json";
  EXPECT_FALSE(b->get().import_session(s));
  s.hub_path = "/hub";
  s.protocol = "nosuch";
  EXPECT_FALSE(b->get().import_session(s));
  s.protocol = "json";
  s.next_outbound_seq = 3;
  s.unacked = {{1, "a"}};  // not contiguous up to next_outbound_seq - 1
  EXPECT_FALSE(b->get().import_session(s));
  s.unacked = {{1, "a"}, {2, "b"}};
  EXPECT_TRUE(b->get().import_session(s));
}

TEST_F(Handover, ImportedConnectionEndsAfterTheReconnectWindow) {
  auto ob = test_options();
  ob.disconnect_timeout = 300ms;
  auto hub_c = std::make_shared<echo_hub>();
  running_server c_srv(ob, [&](server& srv) { srv.add_hub("/hub", hub_c); });
  std::string token;
  auto c = connect_json(a->port(), "/hub", 2, "negotiateVersion=1&useStatefulReconnect=true", &token);
  ASSERT_TRUE(c);
  auto snap = a->get().export_session(token);
  ASSERT_TRUE(snap);
  ASSERT_TRUE(c_srv.get().import_session(*snap));
  ASSERT_TRUE(hub_c->state.wait([&] { return hub_c->connections.size() == 1; }));
  EXPECT_TRUE(hub_c->state.wait([&] { return hub_c->closes.size() == 1; }, 3s));
  int status = 0;
  EXPECT_EQ(ws_client::open(c_srv.port(), "/hub?id=" + token, {}, &status), nullptr);
  EXPECT_EQ(status, 404);
}

}  // namespace
}  // namespace actorhub::test
