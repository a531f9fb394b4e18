// The one HOST:PORT parser every flag uses.
#include <gtest/gtest.h>

#include <actorhub/host_port.hpp>

using actorhub::parse_host_port;

TEST(host_port, parses_names_ipv4_and_bracketed_ipv6) {
  auto a = parse_host_port("127.0.0.1:5000");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 5000);
  auto b = parse_host_port("node-2.example:0");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "node-2.example");
  EXPECT_EQ(b->port, 0);
  auto c = parse_host_port("[::1]:65535");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, 65535);
  EXPECT_EQ(c->text(), "[::1]:65535");
  EXPECT_EQ(a->text(), "127.0.0.1:5000");
}

TEST(host_port, rejects_everything_else) {
  for (const char* bad : {"", ":80", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:+1",
                          "127.0.0.1:80x", "127.0.0.1: 80", "host name:80", "a/b:80", "[::1:80", "[]:80", "[zz]:80",
                          "127.0.0.1:000000080", "::1:80"})
    EXPECT_FALSE(parse_host_port(bad)) << bad;
}

TEST(host_port, loopback) {
  EXPECT_TRUE(actorhub::is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(actorhub::is_loopback_host("127.0.0.3"));
  EXPECT_TRUE(actorhub::is_loopback_host("localhost"));
  EXPECT_TRUE(actorhub::is_loopback_host("::1"));
  EXPECT_FALSE(actorhub::is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(actorhub::is_loopback_host("10.0.0.1"));
  EXPECT_FALSE(actorhub::is_loopback_host("example.org"));
}
