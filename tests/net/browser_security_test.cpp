// Browser security: Origin checks and CORS for negotiate, the HTTP transports and the WebSocket upgrade;
// error details only when enabled; constant-time comparison of secrets.
#include <prometheus/counter.h>

#include "monitoring/metrics.hpp"
#include "net/transport/cors.hpp"
#include "raw_ws.hpp"
#include "test_support.hpp"

namespace actorhub::test {
namespace {

namespace json = boost::json;

class Origins : public ::testing::Test {
 protected:
  void start(std::vector<std::string> origins, bool detailed = false) {
    auto o = test_options();
    o.cors_origins = std::move(origins);
    o.detailed_errors = detailed;
    hub = std::make_shared<echo_hub>();
    m = std::make_shared<metrics>();
    s = std::make_unique<running_server>(o, [this](server& srv) { srv.add_hub("/hub", hub); }, m);
  }
  std::string self() const { return "http://127.0.0.1:" + std::to_string(s->port()); }
  http_result negotiate(const header_list& h) { return http(s->port(), "POST", "/hub/negotiate?negotiateVersion=1", {}, h); }

  std::shared_ptr<echo_hub> hub;
  std::shared_ptr<metrics> m;
  std::unique_ptr<running_server> s;
};

TEST_F(Origins, DefaultAllowsNoOriginAndSameOriginOnly) {
  start({});
  auto plain = negotiate({});
  EXPECT_EQ(plain.status, 200);
  EXPECT_FALSE(plain.header("Access-Control-Allow-Origin"));
  EXPECT_EQ(negotiate({{"Origin", self()}}).status, 200);
  // A page on another origin can neither negotiate, nor preflight, nor open a WebSocket.
  auto foreign = negotiate({{"Origin", "https://evil.example"}});
  EXPECT_EQ(foreign.status, 403);
  EXPECT_FALSE(foreign.header("Access-Control-Allow-Origin"));
  EXPECT_EQ(http(s->port(), "OPTIONS", "/hub/negotiate?negotiateVersion=1", {},
                 {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}}).status,
            403);
  int status = 0;
  EXPECT_EQ(ws_client::open(s->port(), "/hub", {{"Origin", "https://evil.example"}}, &status), nullptr);
  EXPECT_EQ(status, 403);
  EXPECT_TRUE(ws_client::open(s->port(), "/hub", {{"Origin", self()}}, &status));
  EXPECT_EQ(hub->connects(), 0u);  // no handshake was sent; nothing reached the hub
  EXPECT_EQ(m->rejections(limit_kind::origin).Value(), 3);
}

TEST_F(Origins, ListedOriginGetsCorsWithCredentialsAndPreflight) {
  start({"https://app.example"});
  auto r = negotiate({{"Origin", "https://app.example"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), std::optional<std::string>("https://app.example"));
  EXPECT_EQ(r.header("Access-Control-Allow-Credentials"), std::optional<std::string>("true"));
  EXPECT_EQ(r.header("Vary"), std::optional<std::string>("Origin"));
  auto pre = http(s->port(), "OPTIONS", "/hub/negotiate?negotiateVersion=1", {},
                  {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "POST"},
                   {"Access-Control-Request-Headers", "authorization, x-signalr-user-agent"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.header("Access-Control-Allow-Origin"), std::optional<std::string>("https://app.example"));
  EXPECT_NE(pre.header("Access-Control-Allow-Methods").value_or("").find("POST"), std::string::npos);
  EXPECT_EQ(pre.header("Access-Control-Allow-Headers"), std::optional<std::string>("authorization, x-signalr-user-agent"));
  // The HTTP transports too: a long poll from the listed origin carries the headers.
  std::string id(json::parse(r.body).as_object().at("connectionToken").as_string());
  auto poll = http(s->port(), "GET", "/hub?id=" + id, {}, {{"Origin", "https://app.example"}});
  EXPECT_EQ(poll.status, 200);
  EXPECT_EQ(poll.header("Access-Control-Allow-Origin"), std::optional<std::string>("https://app.example"));
  // Another origin is still refused, also for the WebSocket upgrade; the listed one connects.
  EXPECT_EQ(negotiate({{"Origin", "https://other.example"}}).status, 403);
  int status = 0;
  EXPECT_EQ(ws_client::open(s->port(), "/hub", {{"Origin", "https://other.example"}}, &status), nullptr);
  EXPECT_EQ(status, 403);
  auto c = ws_client::open(s->port(), "/hub", {{"Origin", "https://app.example"}}, &status);
  ASSERT_TRUE(c);
  c->send(handshake_request());
  EXPECT_TRUE(c->next());
}

TEST_F(Origins, WildcardAllowsAnyOriginWithoutCredentials) {
  start({"*"});
  auto r = negotiate({{"Origin", "https://anywhere.example"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), std::optional<std::string>("https://anywhere.example"));
  EXPECT_FALSE(r.header("Access-Control-Allow-Credentials"));
}

TEST_F(Origins, ErrorDetailsOnlyWhenEnabled) {
  for (bool detailed : {false, true}) {
    start({}, detailed);
    auto c = raw_ws::open(s->port());
    ASSERT_TRUE(c);
    c->send_text("{\"type\":1,\"target\":\x1e");  // invalid JSON
    ASSERT_TRUE(c->pump_until([&] { return c->close_code != 0 || c->ended; }, 3s));
    std::string close;
    for (const auto& r : c->records)
      if (r.find(R"("type":7)") != std::string::npos) close = r;
    ASSERT_FALSE(close.empty());
    if (detailed) {
      EXPECT_NE(close.find("InvalidDataException"), std::string::npos) << close;
    } else {
      EXPECT_NE(close.find(R"("error":"Connection closed with an error.")"), std::string::npos) << close;
    }
    s.reset();
  }
}

TEST(Secrets, ConstantTimeEquality) {
  using transport::secret_equals;
  EXPECT_TRUE(secret_equals("abc", "abc"));
  EXPECT_TRUE(secret_equals("", ""));
  EXPECT_FALSE(secret_equals("abc", "abd"));
  EXPECT_FALSE(secret_equals("abc", "abcd"));
  EXPECT_FALSE(secret_equals("", "a"));
}

}  // namespace
}  // namespace actorhub::test
