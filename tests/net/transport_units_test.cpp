// Unit tests of the transport's plain parts: request helpers, outbound queue bounds, reconnect buffer,
// connection table limits, negotiate bodies, static path safety.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "net/server.hpp"
#include "net/transport/connection_table.hpp"
#include "net/transport/http_util.hpp"
#include "net/transport/negotiate.hpp"
#include "net/transport/outbound_queue.hpp"
#include "net/transport/reconnect_buffer.hpp"

namespace actorhub::transport {
namespace {

shared_bytes bytes(std::size_t n) { return std::make_shared<const std::string>(n, 'x'); }

TEST(HttpUtil, SplitTargetDecodesPathAndQuery) {
  auto r = split_target("/a%20b/c?x=1%2B1&y=a+b&flag&=v&z=%zz");
  EXPECT_EQ(r.path, "/a b/c");
  ASSERT_EQ(r.query.size(), 5u);
  EXPECT_EQ(r.query[0], (std::pair<std::string, std::string>{"x", "1+1"}));
  EXPECT_EQ(r.query[1].second, "a b");
  EXPECT_EQ(r.query[2], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(r.query[4].second, "%zz");
}

TEST(HttpUtil, CookiesAndTokens) {
  string_pairs c;
  parse_cookies("a=1; b = \"two\" ;junk; c=", c);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[1], (std::pair<std::string, std::string>{"b", "two"}));
  EXPECT_EQ(request_token({{"authorization", "Bearer abc"}}, {}).value_or(""), "abc");
  EXPECT_EQ(request_token({}, {{"access_token", "q"}}).value_or(""), "q");
  EXPECT_FALSE(request_token({{"authorization", "Basic xyz"}}, {}));
}

TEST(HttpUtil, RandomIdsAreUrlSafeAndDistinct) {
  auto a = random_id(16), b = random_id(16);
  EXPECT_EQ(a.size(), 22u);
  EXPECT_NE(a, b);
  for (char ch : a) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_');
}

TEST(OutboundQueue, HardCapButAlwaysOneItem) {
  outbound_queue q;
  EXPECT_TRUE(q.push({bytes(1000), false}, 100));  // empty: accepted even though larger than the cap
  EXPECT_FALSE(q.push({bytes(1), false}, 100));
  std::vector<outbound_item> out;
  std::size_t messages = 99;
  EXPECT_EQ(q.take_all(out, messages), 1000u);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(messages, 0u);
  EXPECT_EQ(q.buffered(), 1000u);  // in flight still counts
  q.written(1000);
  EXPECT_EQ(q.buffered(), 0u);
  EXPECT_TRUE(q.push({bytes(60), false}, 100));
  EXPECT_TRUE(q.push({bytes(40), false}, 100));
  EXPECT_FALSE(q.push({bytes(1), false}, 100));
  q.force_push({bytes(10), false});
  EXPECT_EQ(q.buffered(), 110u);
}

TEST(OutboundQueue, CountsMessagesPerTake) {
  outbound_queue q;
  q.force_push({bytes(5), false, true});
  q.force_push({bytes(5), false, false});  // e.g. a Ping or a Completion
  q.force_push({bytes(5), false, true});
  std::vector<outbound_item> out;
  std::size_t messages = 0;
  EXPECT_EQ(q.take_all(out, messages), 15u);
  EXPECT_EQ(messages, 2u);
  q.force_push({bytes(5), false, true});
  EXPECT_EQ(q.take_all(out, messages), 5u);
  EXPECT_EQ(messages, 1u);
}

TEST(ReconnectBuffer, AckDropsAndFirstSeq) {
  reconnect_buffer b;
  EXPECT_EQ(b.first_seq(1), 1);
  for (int i = 1; i <= 4; ++i) b.push(i, bytes(10));
  EXPECT_EQ(b.bytes(), 40u);
  b.ack(2);
  EXPECT_EQ(b.first_seq(5), 3);
  EXPECT_EQ(b.bytes(), 20u);
  std::vector<std::int64_t> seen;
  b.for_each([&](std::int64_t s, const shared_bytes&) { seen.push_back(s); });
  EXPECT_EQ(seen, (std::vector<std::int64_t>{3, 4}));
  b.ack(10);
  EXPECT_TRUE(b.empty());
}

TEST(ConnectionTable, PendingCapAndExpiry) {
  connection_table t(2);
  auto slot = [](std::string token, std::int64_t created) {
    auto s = std::make_shared<connection_slot>();
    s->id = s->token = std::move(token);
    s->created_ms = created;
    return s;
  };
  EXPECT_TRUE(t.add_pending(slot("a", 0)));
  EXPECT_TRUE(t.add_pending(slot("b", 50)));
  EXPECT_FALSE(t.add_pending(slot("c", 60)));
  EXPECT_EQ(t.expire_pending(120, 100), 1u);  // "a" only
  EXPECT_FALSE(t.find("a"));
  EXPECT_TRUE(t.find("b"));
  EXPECT_TRUE(t.add_pending(slot("c", 130)));
  t.remove("b", nullptr);
  EXPECT_EQ(t.pending(), 1u);
}

TEST(NegotiateBody, FollowsTheSpec) {
  namespace json = boost::json;
  negotiate_reply r;
  r.connection_id = "id";
  r.connection_token = "tok";
  r.version = 1;
  r.transports = all_transports;
  r.stateful_reconnect = true;
  auto j = json::parse(negotiate_body(r)).as_object();
  EXPECT_EQ(j.at("connectionToken").as_string(), "tok");
  EXPECT_EQ(j.at("useStatefulReconnect").as_bool(), true);
  EXPECT_EQ(j.at("availableTransports").as_array().size(), 3u);
  r.connection_token.reset();
  r.version = 0;
  r.stateful_reconnect = false;
  r.transports = transport_long_polling;
  j = json::parse(negotiate_body(r)).as_object();
  EXPECT_FALSE(j.contains("connectionToken"));
  EXPECT_FALSE(j.contains("useStatefulReconnect"));
  EXPECT_EQ(j.at("availableTransports").as_array().size(), 1u);
  EXPECT_EQ(json::parse(negotiate_error_body("nope")).at("error").as_string(), "nope");
}

}  // namespace
}  // namespace actorhub::transport
