// net/handshake.hpp
#include <gtest/gtest.h>

#include "net/handshake.hpp"

using namespace actorhub;
using namespace std::string_literals;

TEST(Handshake, CompleteRequestReportsWhereItEnded) {
  std::string in = R"({"protocol":"json","version":1})"s + "\x1e" + R"({"type":6})"s + "\x1e";
  auto r = parse_handshake(in, 1024);
  ASSERT_EQ(r.state, handshake_parse::complete) << r.error;
  EXPECT_EQ(r.request.protocol, "json");
  EXPECT_EQ(r.request.version, 1);
  EXPECT_EQ(r.consumed, in.find('\x1e') + 1);
  EXPECT_EQ(in.substr(r.consumed), R"({"type":6})"s + "\x1e");
}

TEST(Handshake, MessagePackVersion2WithWhitespaceAndExtraFields) {
  auto r = parse_handshake(" { \"version\" : 2, \"protocol\" : \"messagepack\", \"x\": [1] } \x1e", 1024);
  ASSERT_EQ(r.state, handshake_parse::complete) << r.error;
  EXPECT_EQ(r.request.protocol, "messagepack");
  EXPECT_EQ(r.request.version, 2);
}

TEST(Handshake, IncompleteWithoutSeparator) {
  auto r = parse_handshake(R"({"protocol":"json",)", 1024);
  EXPECT_EQ(r.state, handshake_parse::incomplete);
  EXPECT_EQ(parse_handshake("", 1024).state, handshake_parse::incomplete);
}

TEST(Handshake, IncompleteBeyondMaxSizeIsInvalid) {
  std::string in(2000, ' ');
  auto r = parse_handshake(in, 1024);
  EXPECT_EQ(r.state, handshake_parse::invalid);
  EXPECT_NE(r.error.find("maximum size"), std::string::npos) << r.error;
}

TEST(Handshake, CompleteBeyondMaxSizeIsInvalid) {
  std::string in = R"({"protocol":"json","version":1,"pad":")" + std::string(2000, 'x') + "\"}\x1e";
  EXPECT_EQ(parse_handshake(in, 1024).state, handshake_parse::invalid);
}

struct bad_case {
  const char* input;
  const char* error_part;
};

class HandshakeInvalid : public ::testing::TestWithParam<bad_case> {};

TEST_P(HandshakeInvalid, GivesAClearMessage) {
  auto r = parse_handshake(std::string(GetParam().input) + "\x1e", 1024);
  ASSERT_EQ(r.state, handshake_parse::invalid);
  EXPECT_NE(r.error.find(GetParam().error_part), std::string::npos) << r.error;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, HandshakeInvalid,
    ::testing::Values(bad_case{"{\"protocol\":\"json\"", "not valid JSON"},
                      bad_case{"garbage", "not valid JSON"},
                      bad_case{"", "not valid JSON"},
                      bad_case{"[1,2]", "JSON object"},
                      bad_case{"{\"version\":1}", "Missing required property 'protocol'"},
                      bad_case{"{\"protocol\":\"json\"}", "Missing required property 'version'"},
                      bad_case{"{\"protocol\":1,\"version\":1}", "'protocol' to be of type String"},
                      bad_case{"{\"protocol\":\"json\",\"version\":\"1\"}", "'version' to be of type Integer"},
                      bad_case{"{\"protocol\":\"json\",\"version\":1.5}", "'version' to be of type Integer"},
                      bad_case{"{\"protocol\":\"json\",\"version\":99999999999}", "out of range"},
                      bad_case{"{\"protocol\":\"json\",\"version\":1} x", "not valid JSON"},
                      bad_case{"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "not valid JSON"}));

TEST(Handshake, Responses) {
  EXPECT_EQ(handshake_response(), "{}\x1e");
  EXPECT_EQ(handshake_response("Requested protocol 'x' is not available."s),
            "{\"error\":\"Requested protocol 'x' is not available.\"}\x1e");
  EXPECT_EQ(handshake_response("quote \" and \\ and \n"s), "{\"error\":\"quote \\\" and \\\\ and \\n\"}\x1e");
}
