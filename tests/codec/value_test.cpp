// net/value.hpp, net/connection_info.hpp and net/http_types.hpp members.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include <actorhub/connection_info.hpp>
#include <actorhub/http_types.hpp>
#include <actorhub/value.hpp>

using namespace actorhub;

TEST(Value, UnsignedConstructorsPickInt64WhenItFits) {
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(value(5ul).get()));
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(value(5ull).get()));
  std::uint64_t big = std::uint64_t(std::numeric_limits<std::int64_t>::max()) + 1;
  value v(big);
  ASSERT_TRUE(std::holds_alternative<std::uint64_t>(v.get()));
  EXPECT_EQ(std::get<std::uint64_t>(v.get()), big);
}

TEST(Value, ToInt64) {
  EXPECT_EQ(value(42).to_int64(), 42);
  EXPECT_EQ(value(-7).to_int64(), -7);
  EXPECT_EQ(value(3.0).to_int64(), 3);
  EXPECT_EQ(value(3.5).to_int64(), std::nullopt);
  EXPECT_EQ(value(std::numeric_limits<double>::infinity()).to_int64(), std::nullopt);
  EXPECT_EQ(value(std::numeric_limits<double>::quiet_NaN()).to_int64(), std::nullopt);
  EXPECT_EQ(value(1e19).to_int64(), std::nullopt);
  EXPECT_EQ(value(-9223372036854775808.0).to_int64(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(value(std::numeric_limits<std::uint64_t>::max()).to_int64(), std::nullopt);
  EXPECT_EQ(value("1").to_int64(), std::nullopt);
  EXPECT_EQ(value().to_int64(), std::nullopt);
}

TEST(Value, ToDouble) {
  EXPECT_EQ(value(2).to_double(), 2.0);
  EXPECT_EQ(value(2.5).to_double(), 2.5);
  EXPECT_EQ(value(std::numeric_limits<std::uint64_t>::max()).to_double(), 18446744073709551615.0);
  EXPECT_EQ(value(true).to_double(), std::nullopt);
}

TEST(Value, FindReturnsFirstMatchOfObjectsOnly) {
  value o(object{{"a", 1}, {"b", "x"}, {"a", 2}});
  ASSERT_NE(o.find("a"), nullptr);
  EXPECT_EQ(*o.find("a"), value(1));
  EXPECT_EQ(*o.find("b"), value("x"));
  EXPECT_EQ(o.find("A"), nullptr);
  EXPECT_EQ(value(array{1, 2}).find("a"), nullptr);
}

TEST(ConnectionInfo, HeaderLookupIgnoresCase) {
  connection_info c;
  c.headers = {{"x-custom", "v1"}, {"user-agent", "ua"}};
  EXPECT_EQ(c.header("X-Custom"), "v1");
  EXPECT_EQ(c.header("USER-AGENT"), "ua");
  EXPECT_EQ(c.header("x-missing"), std::nullopt);
}

TEST(ConnectionInfo, QueryCookieAndClaims) {
  connection_info c;
  c.query = {{"numRedirects", "3"}, {"id", "abc"}};
  c.cookies = {{"testCookie", "testValue"}, {"TESTCOOKIE", "other"}};
  c.claims = {{"role", "admin"}, {"n", 5}};
  EXPECT_EQ(c.query_value("numRedirects"), "3");
  EXPECT_EQ(c.query_value("NUMREDIRECTS"), "3");
  EXPECT_EQ(c.query_value("nope"), std::nullopt);
  EXPECT_EQ(c.cookie("TESTCOOKIE"), "other");  // exact match wins
  EXPECT_EQ(c.cookie("testcookie"), "testValue");
  ASSERT_NE(c.claim("role"), nullptr);
  EXPECT_EQ(*c.claim("role"), value("admin"));
  EXPECT_EQ(c.claim("missing"), nullptr);
  EXPECT_TRUE(c.authenticated());
  EXPECT_FALSE(connection_info{}.authenticated());
}

TEST(HttpRequest, Lookups) {
  http_request r;
  r.headers = {{"content-type", "application/json"}};
  r.query = {{"baseUrl", "http://x"}};
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.query_value("baseUrl"), "http://x");
  EXPECT_EQ(r.query_value("other"), std::nullopt);
}
