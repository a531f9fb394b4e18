// The JSON hub protocol (net/json_protocol.hpp): exact output, round trips, framing and hostile input.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "net/hub_protocol.hpp"
#include "net/json_value.hpp"
#include "test_util.hpp"

using namespace actorhub;
using namespace actorhub::test;
using namespace std::string_literals;

namespace {

const hub_protocol& json() { return json_protocol(); }

std::string rec(std::string_view s) { return std::string(s) + "\x1e"; }

template <class M>
M parse_single(const std::string& text) {
  auto r = parse_all(json(), rec(text));
  EXPECT_TRUE(r.status) << r.status.error << " for " << text;
  EXPECT_EQ(r.messages.size(), 1u) << text;
  if (r.messages.size() != 1 || !std::holds_alternative<M>(r.messages[0])) {
    ADD_FAILURE() << "unexpected message kind for " << text;
    return M{};
  }
  return std::get<M>(r.messages[0]);
}

parse_status parse_error(const std::string& bytes, std::size_t max = 32 * 1024) {
  return parse_all(json(), bytes, max).status;
}

}  // namespace

// ---- identity -----------------------------------------------------------------------------------------

TEST(JsonProtocol, Identity) {
  EXPECT_EQ(json().name(), "json");
  EXPECT_EQ(json().kind(), protocol_kind::json);
  EXPECT_EQ(json().version(), 2);
  EXPECT_FALSE(json().binary());
  EXPECT_EQ(find_protocol("json"), &json());
  EXPECT_EQ(&protocol_for(protocol_kind::json), &json());
  EXPECT_EQ(find_protocol("xml"), nullptr);
  EXPECT_EQ(find_protocol("JSON"), &json());  // ASP.NET Core matches protocol names ignoring case
  EXPECT_EQ(find_protocol("jsonx"), nullptr);
  EXPECT_EQ(find_protocol(""), nullptr);
}

// ---- exact output -------------------------------------------------------------------------------------

TEST(JsonWrite, Ping) { EXPECT_EQ(write_one(json(), ping_message{}), "{\"type\":6}\x1e"); }

TEST(JsonWrite, Invocation) {
  invocation_message m;
  m.target = "Send";
  m.arguments = {42, "Test Message"};
  EXPECT_EQ(write_one(json(), m), rec(R"({"type":1,"target":"Send","arguments":[42,"Test Message"]})"));
  m.invocation_id = "123";
  m.stream_ids = {"1", "2"};
  m.headers = {{"Foo", "Bar"}};
  EXPECT_EQ(write_one(json(), m),
            rec(R"({"type":1,"headers":{"Foo":"Bar"},"invocationId":"123","target":"Send",)"
                R"("arguments":[42,"Test Message"],"streamIds":["1","2"]})"));
}

TEST(JsonWrite, InvocationWithoutArguments) {
  invocation_message m;
  m.target = "StreamCanceled";
  EXPECT_EQ(write_one(json(), m), rec(R"({"type":1,"target":"StreamCanceled","arguments":[]})"));
}

TEST(JsonWrite, StreamItemAndCancelAndStreamInvocation) {
  EXPECT_EQ(write_one(json(), stream_item_message{{}, "x", "a"}),
            rec(R"({"type":2,"invocationId":"x","item":"a"})"));
  EXPECT_EQ(write_one(json(), stream_item_message{{}, "x", nullptr}),
            rec(R"({"type":2,"invocationId":"x","item":null})"));
  EXPECT_EQ(write_one(json(), cancel_invocation_message{{}, "9"}), rec(R"({"type":5,"invocationId":"9"})"));
  stream_invocation_message s;
  s.invocation_id = "4";
  s.target = "Counter";
  s.arguments = {3, 10};
  EXPECT_EQ(write_one(json(), s), rec(R"({"type":4,"invocationId":"4","target":"Counter","arguments":[3,10]})"));
}

TEST(JsonWrite, CompletionShapes) {
  completion_message c;
  c.invocation_id = "1";
  EXPECT_EQ(write_one(json(), c), rec(R"({"type":3,"invocationId":"1"})"));
  c.result = value(42);
  EXPECT_EQ(write_one(json(), c), rec(R"({"type":3,"invocationId":"1","result":42})"));
  c.result = value(nullptr);
  EXPECT_EQ(write_one(json(), c), rec(R"({"type":3,"invocationId":"1","result":null})"));
  c.result.reset();
  c.error = "It didn't work!";
  EXPECT_EQ(write_one(json(), c), rec(R"({"type":3,"invocationId":"1","error":"It didn't work!"})"));
  c.result = value(1);  // both set: the error wins, never both on the wire
  EXPECT_EQ(write_one(json(), c), rec(R"({"type":3,"invocationId":"1","error":"It didn't work!"})"));
}

TEST(JsonWrite, CloseShapes) {
  EXPECT_EQ(write_one(json(), close_message{}), rec(R"({"type":7})"));
  EXPECT_EQ(write_one(json(), close_message{"boom", false}), rec(R"({"type":7,"error":"boom"})"));
  EXPECT_EQ(write_one(json(), close_message{"boom", true}), rec(R"({"type":7,"error":"boom","allowReconnect":true})"));
  EXPECT_EQ(write_one(json(), close_message{std::nullopt, true}), rec(R"({"type":7,"allowReconnect":true})"));
}

TEST(JsonWrite, AckAndSequence) {
  EXPECT_EQ(write_one(json(), ack_message{1394}), rec(R"({"type":8,"sequenceId":1394})"));
  EXPECT_EQ(write_one(json(), sequence_message{1234}), rec(R"({"type":9,"sequenceId":1234})"));
}

TEST(JsonWrite, ValueMapping) {
  auto w = [](const value& v) {
    std::string s;
    write_json(v, s);
    return s;
  };
  EXPECT_EQ(w(nullptr), "null");
  EXPECT_EQ(w(true), "true");
  EXPECT_EQ(w(false), "false");
  EXPECT_EQ(w(-5), "-5");
  EXPECT_EQ(w(std::numeric_limits<std::int64_t>::min()), "-9223372036854775808");
  EXPECT_EQ(w(std::numeric_limits<std::uint64_t>::max()), "18446744073709551615");
  EXPECT_EQ(w(2.5), "2.5");
  EXPECT_EQ(w(0.1), "0.1");
  EXPECT_EQ(w(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(w(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(w(-std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(w(bytes{1, 2, 3}), "\"AQID\"");
  EXPECT_EQ(w(bytes{}), "\"\"");
  EXPECT_EQ(w(bytes{0xff, 0xfe}), "\"//4=\"");
  EXPECT_EQ(w(timestamp{946684800, 0}), "\"2000-01-01T00:00:00Z\"");
  EXPECT_EQ(w(timestamp{946684800, 500'000'000}), "\"2000-01-01T00:00:00.5Z\"");
  EXPECT_EQ(w(timestamp{946684800, 123'456'789}), "\"2000-01-01T00:00:00.123456789Z\"");
  EXPECT_EQ(w(timestamp{0, 0}), "\"1970-01-01T00:00:00Z\"");
  EXPECT_EQ(w(timestamp{-1, 0}), "\"1969-12-31T23:59:59Z\"");
  EXPECT_EQ(w(timestamp{951782400 + 86399, 0}), "\"2000-02-29T23:59:59Z\"");
  EXPECT_EQ(w(timestamp{253402300799, 0}), "\"9999-12-31T23:59:59Z\"");
  EXPECT_EQ(w(object{{"Name", "test"}, {"Value", 42}, {"a", array{}}}), R"({"Name":"test","Value":42,"a":[]})");
  EXPECT_EQ(w(object{}), "{}");
  EXPECT_EQ(w("tab\there \"q\" \\ \x01"), R"("tab\there \"q\" \\ \u0001")");
  EXPECT_EQ(w("你好 ✓"), "\"你好 ✓\"");
}

TEST(JsonWrite, LongEscapedStringIsComplete) {
  std::string s(5000, '"');
  std::string out;
  write_json_string(s, out);
  EXPECT_EQ(out.size(), 2 + 2 * s.size());
  value back;
  std::string err;
  ASSERT_TRUE(parse_json(out, back, err)) << err;
  EXPECT_EQ(back, value(s));
}

TEST(JsonWrite, AppendsToExistingOutput) {
  std::string out = "prefix";
  json().write(ping_message{}, out);
  json().write(ping_message{}, out);
  EXPECT_EQ(out, "prefix{\"type\":6}\x1e{\"type\":6}\x1e");
}

// ---- round trips --------------------------------------------------------------------------------------

TEST(JsonRoundTrip, EveryMessageType) {
  value payload(object{{"String", "hello world"},
                       {"IntArray", array{1, 2, 3}},
                       {"Nested", object{{"x", nullptr}, {"y", true}, {"z", -1.25}}}});
  message_headers headers{{"a", "b"}, {"Ünïcode", "✓"}};
  std::vector<hub_message> all = {
      invocation_message{headers, "1", "Target", array{1, "two", payload}, {"s1", "s2"}},
      invocation_message{{}, std::nullopt, "NonBlocking", array{}, {}},
      stream_item_message{headers, "2", payload},
      completion_message{headers, "3", std::nullopt, value(payload)},
      completion_message{{}, "3", std::nullopt, value(nullptr)},
      completion_message{{}, "3", std::nullopt, std::nullopt},
      completion_message{{}, "3", "bad things", std::nullopt},
      stream_invocation_message{headers, "4", "Stream", array{5}, {"s"}},
      cancel_invocation_message{headers, "5"},
      ping_message{},
      close_message{},
      close_message{"err", true},
      ack_message{7},
      sequence_message{std::numeric_limits<std::int64_t>::max()},
  };
  for (const auto& m : all) {
    auto back = round_trip(json(), m);
    EXPECT_TRUE(same(m, back)) << write_one(json(), m) << " -> " << write_one(json(), back);
  }
}

TEST(JsonRoundTrip, BytesAndTimestampsBecomeStrings) {
  stream_item_message m{{}, "1", array{bytes{1, 2, 3}, timestamp{946684800, 0}}};
  auto back = std::get<stream_item_message>(round_trip(json(), m));
  EXPECT_EQ(back.item, value(array{"AQID", "2000-01-01T00:00:00Z"}));
}

// ---- reading ------------------------------------------------------------------------------------------

TEST(JsonRead, InvocationFields) {
  auto m = parse_single<invocation_message>(
      R"({"type":1,"invocationId":"123","target":"Send","arguments":[42,"Test Message"],"streamIds":["1"],)"
      R"("headers":{"Foo":"Bar"},"unknownField":{"deep":[1]}})");
  EXPECT_EQ(m.invocation_id, "123");
  EXPECT_EQ(m.target, "Send");
  EXPECT_EQ(m.arguments, (array{42, "Test Message"}));
  EXPECT_EQ(m.stream_ids, std::vector<std::string>{"1"});
  EXPECT_EQ(m.headers, (message_headers{{"Foo", "Bar"}}));
}

TEST(JsonRead, NullOptionalsCountAsAbsent) {
  auto m = parse_single<invocation_message>(
      R"({"type":1,"invocationId":null,"target":"T","arguments":[],"streamIds":null,"headers":null})");
  EXPECT_FALSE(m.invocation_id);
  auto c = parse_single<close_message>(R"({"type":7,"error":null,"allowReconnect":null})");
  EXPECT_FALSE(c.error);
  EXPECT_FALSE(c.allow_reconnect);
}

TEST(JsonRead, CompletionResultKinds) {
  auto v = parse_single<completion_message>(R"({"type":3,"invocationId":"1"})");
  EXPECT_FALSE(v.result);
  EXPECT_FALSE(v.error);
  auto n = parse_single<completion_message>(R"({"type":3,"invocationId":"1","result":null})");
  ASSERT_TRUE(n.result);
  EXPECT_TRUE(n.result->is_null());
  auto e = parse_single<completion_message>(R"({"type":3,"invocationId":"1","error":"x"})");
  EXPECT_EQ(e.error, "x");
  EXPECT_FALSE(e.result);
}

TEST(JsonRead, ValuesKeepOrderNamesAndDuplicates) {
  auto m = parse_single<stream_item_message>(R"({"type":2,"invocationId":"1","item":{"Z":1,"a":2,"Z":3,"Value":{}}})");
  EXPECT_EQ(m.item, value(object{{"Z", 1}, {"a", 2}, {"Z", 3}, {"Value", object{}}}));
}

TEST(JsonRead, NumberMapping) {
  auto m = parse_single<stream_item_message>(
      R"({"type":2,"invocationId":"1","item":[1,-1,9223372036854775807,9223372036854775808,)"
      R"(18446744073709551615,18446744073709551616,1.5,1e3,-0.0,2.0]})");
  const array& a = *m.item.if_array();
  ASSERT_EQ(a.size(), 10u);
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(a[0].get()));
  EXPECT_EQ(a[1], value(-1));
  EXPECT_EQ(a[2], value(std::numeric_limits<std::int64_t>::max()));
  EXPECT_EQ(a[3], value(std::uint64_t(9223372036854775808ull)));
  EXPECT_TRUE(std::holds_alternative<std::uint64_t>(a[3].get()));
  EXPECT_EQ(a[4], value(std::numeric_limits<std::uint64_t>::max()));
  EXPECT_TRUE(std::holds_alternative<double>(a[5].get()));
  EXPECT_EQ(a[6], value(1.5));
  EXPECT_EQ(a[7], value(1000.0));
  EXPECT_TRUE(std::holds_alternative<double>(a[8].get()));
  EXPECT_TRUE(std::holds_alternative<double>(a[9].get()));
  // Big integers come back out unchanged.
  std::string out;
  write_json(m.item, out);
  EXPECT_EQ(out.rfind("[1,-1,9223372036854775807,9223372036854775808,18446744073709551615,", 0), 0u) << out;
}

TEST(JsonRead, UnicodePassesThrough) {
  std::string text = "你好，世界！ ✓ \u00e9\u00e8 \"quoted\" \\ back 😀";
  invocation_message m{{}, "1", "Echo", array{text}, {}};
  std::string wire = write_one(json(), m);
  EXPECT_NE(wire.find("你好，世界！ ✓"), std::string::npos);  // raw UTF-8, not \u escapes
  auto back = std::get<invocation_message>(round_trip(json(), m));
  EXPECT_EQ(back.arguments, array{text});
  // \u escapes (including a surrogate pair) decode to UTF-8.
  auto e = parse_single<stream_item_message>(R"({"type":2,"invocationId":"1","item":"\u4f60\u597d \ud83d\ude00"})");
  EXPECT_EQ(e.item, value("你好 😀"));
}

TEST(JsonRead, LongStringsWithEscapesAreJoined) {
  std::string s;
  for (int i = 0; i < 3000; ++i) s += "ab\\n";
  auto m = parse_single<stream_item_message>(R"({"type":2,"invocationId":"1","item":")" + s + R"("})");
  std::string expect;
  for (int i = 0; i < 3000; ++i) expect += "ab\n";
  EXPECT_EQ(m.item, value(expect));
}

TEST(JsonRead, PingCloseAckSequence) {
  parse_single<ping_message>(R"({"type":6})");
  auto c = parse_single<close_message>(R"({"type":7,"error":"e","allowReconnect":true})");
  EXPECT_EQ(c.error, "e");
  EXPECT_TRUE(c.allow_reconnect);
  EXPECT_EQ(parse_single<ack_message>(R"({"type":8,"sequenceId":1394})").sequence_id, 1394);
  EXPECT_EQ(parse_single<sequence_message>(R"({"type":9,"sequenceId":1})").sequence_id, 1);
}

TEST(JsonRead, WhitespaceAroundTheObjectIsFine) {
  auto m = parse_single<ping_message>(" \r\n\t{ \"type\" : 6 } \n");
  (void)m;
}

// ---- framing ------------------------------------------------------------------------------------------

TEST(JsonFraming, SeveralRecordsInOneFrame) {
  std::string frame = rec(R"({"type":6})") + rec(R"({"type":1,"target":"A","arguments":[]})") +
                      rec(R"({"type":5,"invocationId":"x"})");
  auto r = parse_all(json(), frame);
  ASSERT_TRUE(r.status) << r.status.error;
  ASSERT_EQ(r.messages.size(), 3u);
  EXPECT_EQ(type_of(r.messages[0]), message_type::ping);
  EXPECT_EQ(type_of(r.messages[1]), message_type::invocation);
  EXPECT_EQ(type_of(r.messages[2]), message_type::cancel_invocation);
  EXPECT_TRUE(r.rest.empty());
}

TEST(JsonFraming, IncompleteTrailingRecordStaysInInput) {
  std::string frame = rec(R"({"type":6})") + R"({"type":1,"tar)";
  auto r = parse_all(json(), frame);
  ASSERT_TRUE(r.status);
  EXPECT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.rest, R"({"type":1,"tar)");
}

TEST(JsonFraming, RecordsSplitAcrossCallsByteByByte) {
  std::vector<hub_message> sent = {invocation_message{{}, "1", "Echo", array{"héllo"}, {}}, ping_message{},
                                   completion_message{{}, "2", std::nullopt, value(5)}};
  std::string wire;
  for (auto& m : sent) json().write(m, wire);
  std::string buffer;
  std::vector<hub_message> got;
  for (char c : wire) {
    buffer.push_back(c);
    std::string_view in = buffer;
    ASSERT_TRUE(json().parse(in, got, 1024));
    buffer.erase(0, buffer.size() - in.size());
  }
  EXPECT_TRUE(buffer.empty());
  ASSERT_EQ(got.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) EXPECT_TRUE(same(sent[i], got[i]));
}

TEST(JsonFraming, EmptyInputIsFine) {
  auto r = parse_all(json(), "");
  EXPECT_TRUE(r.status);
  EXPECT_TRUE(r.messages.empty());
}

TEST(JsonFraming, UnknownMessageTypesAreSkipped) {
  auto r = parse_all(json(), rec(R"({"type":42,"whatever":[1]})") + rec(R"({"type":0})") + rec(R"({"type":6})"));
  ASSERT_TRUE(r.status) << r.status.error;
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(type_of(r.messages[0]), message_type::ping);
}

// ---- limits -------------------------------------------------------------------------------------------

TEST(JsonLimits, RecordLargerThanMaxIsTooLarge) {
  std::string big = rec(R"({"type":1,"target":"Echo","arguments":[")" + std::string(200, 'x') + "\"]}");
  EXPECT_EQ(parse_error(big, 100).code, parse_status::too_large);
  EXPECT_TRUE(parse_all(json(), big, big.size() - 1).status);  // exactly the limit (without 0x1E) is fine
  EXPECT_EQ(parse_error(big, big.size() - 2).code, parse_status::too_large);
}

TEST(JsonLimits, IncompleteTailLargerThanMaxIsTooLarge) {
  std::string tail = R"({"type":1,"target":")" + std::string(200, 'x');
  EXPECT_EQ(parse_error(tail, 100).code, parse_status::too_large);
  EXPECT_TRUE(parse_error(tail, 1000));  // below the limit it just waits
  // A good record first, then an oversize tail: still too_large.
  EXPECT_EQ(parse_error(rec(R"({"type":6})") + tail, 100).code, parse_status::too_large);
}

TEST(JsonLimits, DeepNestingIsRejectedNotACrash) {
  std::string deep = R"({"type":2,"invocationId":"1","item":)" + std::string(100000, '[') +
                     std::string(100000, ']') + "}";
  auto st = parse_error(rec(deep), 1 << 20);
  EXPECT_EQ(st.code, parse_status::invalid);
  // Nesting within the limit works.
  std::string ok = R"({"type":2,"invocationId":"1","item":)" + std::string(60, '[') + std::string(60, ']') + "}";
  EXPECT_TRUE(parse_error(rec(ok)));
  std::string objs = R"({"type":2,"invocationId":"1","item":)";
  for (int i = 0; i < 10000; ++i) objs += R"({"a":)";
  EXPECT_EQ(parse_error(rec(objs), 1 << 20).code, parse_status::invalid);
}

// ---- malformed input ----------------------------------------------------------------------------------

struct bad_json {
  std::string record;
  std::string error_part;
};

class JsonInvalid : public ::testing::TestWithParam<bad_json> {};

TEST_P(JsonInvalid, IsInvalidWithAMessage) {
  auto st = parse_error(rec(GetParam().record));
  EXPECT_EQ(st.code, parse_status::invalid) << GetParam().record;
  EXPECT_NE(st.error.find(GetParam().error_part), std::string::npos) << st.error;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, JsonInvalid,
    ::testing::Values(
        bad_json{"", "Invalid JSON"}, bad_json{"{", "Invalid JSON"}, bad_json{"not json", "Invalid JSON"},
        bad_json{R"({"type":6}})", "Invalid JSON"}, bad_json{R"({"type":6} {"type":6})", "Invalid JSON"},
        bad_json{R"({"type":6,})", "Invalid JSON"}, bad_json{"{\"type\":6 /*c*/}", "Invalid JSON"},
        bad_json{"\x01\x02\xff\xfe garbage", "Invalid JSON"},
        bad_json{"{\"type\":2,\"invocationId\":\"1\",\"item\":\"\xc3\x28\"}", "Invalid JSON"},  // bad UTF-8
        bad_json{"[1,2]", "JSON object"}, bad_json{"\"str\"", "JSON object"}, bad_json{"6", "JSON object"},
        bad_json{"{}", "Missing required property 'type'"},
        bad_json{R"({"type":"1"})", "'type' to be of type Integer"},
        bad_json{R"({"type":1.0})", "'type' to be of type Integer"},
        bad_json{R"({"type":1,"arguments":[]})", "Missing required property 'target'"},
        bad_json{R"({"type":1,"target":5,"arguments":[]})", "'target' to be of type String"},
        bad_json{R"({"type":1,"target":"T"})", "Missing required property 'arguments'"},
        bad_json{R"({"type":1,"target":"T","arguments":{}})", "'arguments' to be of type Array"},
        bad_json{R"({"type":1,"invocationId":7,"target":"T","arguments":[]})", "'invocationId' to be of type String"},
        bad_json{R"({"type":1,"target":"T","arguments":[],"streamIds":"1"})", "'streamIds' to be of type Array"},
        bad_json{R"({"type":1,"target":"T","arguments":[],"streamIds":[1]})", "streamIds"},
        bad_json{R"({"type":1,"target":"T","arguments":[],"headers":[]})", "'headers' to be of type Object"},
        bad_json{R"({"type":1,"target":"T","arguments":[],"headers":{"a":1}})", "header 'a'"},
        bad_json{R"({"type":2,"item":1})", "Missing required property 'invocationId'"},
        bad_json{R"({"type":2,"invocationId":"1"})", "Missing required property 'item'"},
        bad_json{R"({"type":3})", "Missing required property 'invocationId'"},
        bad_json{R"({"type":3,"invocationId":"1","result":1,"error":"e"})", "mutually exclusive"},
        bad_json{R"({"type":3,"invocationId":"1","error":5})", "'error' to be of type String"},
        bad_json{R"({"type":4,"target":"T","arguments":[]})", "Missing required property 'invocationId'"},
        bad_json{R"({"type":4,"invocationId":"1","arguments":[]})", "Missing required property 'target'"},
        bad_json{R"({"type":5})", "Missing required property 'invocationId'"},
        bad_json{R"({"type":7,"error":1})", "'error' to be of type String"},
        bad_json{R"({"type":7,"allowReconnect":"yes"})", "'allowReconnect' to be of type Boolean"},
        bad_json{R"({"type":8})", "Missing required property 'sequenceId'"},
        bad_json{R"({"type":8,"sequenceId":"1"})", "'sequenceId' to be of type Integer"},
        bad_json{R"({"type":9,"sequenceId":1.5})", "'sequenceId' to be of type Integer"},
        bad_json{R"({"type":9,"sequenceId":18446744073709551615})", "'sequenceId' to be of type Integer"}));

TEST(JsonInvalidFraming, ErrorAfterGoodRecordsKeepsTheGoodOnes) {
  std::string frame = rec(R"({"type":6})") + rec("oops") + rec(R"({"type":6})");
  std::string_view in = frame;
  std::vector<hub_message> out;
  auto st = json().parse(in, out, 1024);
  EXPECT_EQ(st.code, parse_status::invalid);
  EXPECT_EQ(out.size(), 1u);
}

TEST(JsonInvalidFraming, RandomGarbageNeverCrashes) {
  std::uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  for (int round = 0; round < 2000; ++round) {
    std::string junk(next() % 200, '\0');
    for (auto& c : junk) c = static_cast<char>(next() >> 24);
    if (round % 3 == 0) junk = R"({"type":)" + junk;
    junk.push_back('\x1e');
    std::string_view in = junk;
    std::vector<hub_message> out;
    auto st = json().parse(in, out, 1024);
    EXPECT_TRUE(st || !st.error.empty());
  }
}
