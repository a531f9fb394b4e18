// The MessagePack hub protocol (net/msgpack_protocol.hpp): exact bytes (HubProtocol.md examples), VarInt
// framing, value mapping (bin, timestamp), round trips and hostile input.
#include <gtest/gtest.h>

#include <initializer_list>
#include <limits>

#include "net/hub_protocol.hpp"
#include "net/msgpack_value.hpp"
#include "test_util.hpp"

using namespace actorhub;
using namespace actorhub::test;

namespace {

const hub_protocol& mp() { return messagepack_protocol(); }

std::string raw(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

std::string varint(std::size_t n) {
  std::string s;
  do {
    auto b = static_cast<unsigned char>(n & 0x7f);
    n >>= 7;
    if (n) b |= 0x80;
    s.push_back(static_cast<char>(b));
  } while (n);
  return s;
}

std::string frame(const std::string& body) { return varint(body.size()) + body; }

std::string hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string r;
  for (unsigned char c : s) {
    if (!r.empty()) r.push_back(' ');
    r.push_back(d[c >> 4]);
    r.push_back(d[c & 15]);
  }
  return r;
}

// "xyz" and "method" of the spec's examples.
const std::string xyz = raw({0xa3, 'x', 'y', 'z'});
const std::string method = raw({0xa6, 'm', 'e', 't', 'h', 'o', 'd'});

template <class M>
M parse_single(const std::string& body) {
  auto r = parse_all(mp(), frame(body));
  EXPECT_TRUE(r.status) << r.status.error << " for " << hex(body);
  if (r.messages.size() != 1 || !std::holds_alternative<M>(r.messages[0])) {
    ADD_FAILURE() << "expected one message of the given kind for " << hex(body);
    return M{};
  }
  return std::get<M>(r.messages[0]);
}

parse_status body_error(const std::string& body) { return parse_all(mp(), frame(body)).status; }

std::string packed(const value& v) {
  std::string s;
  write_msgpack(v, s);
  return s;
}

value unpacked(const std::string& s) {
  value v;
  std::string err;
  EXPECT_TRUE(parse_msgpack(s, v, err)) << err << " for " << hex(s);
  return v;
}

}  // namespace

TEST(MsgpackProtocol, Identity) {
  EXPECT_EQ(mp().name(), "messagepack");
  EXPECT_EQ(mp().kind(), protocol_kind::messagepack);
  EXPECT_EQ(mp().version(), 2);
  EXPECT_TRUE(mp().binary());
  EXPECT_EQ(find_protocol("messagepack"), &mp());
  EXPECT_EQ(&protocol_for(protocol_kind::messagepack), &mp());
  EXPECT_EQ(&protocol_for(protocol_kind::json), &json_protocol());
}

// ---- exact bytes --------------------------------------------------------------------------------------

TEST(MsgpackWrite, PingIsExactly0x91_0x06) { EXPECT_EQ(write_one(mp(), ping_message{}), raw({0x02, 0x91, 0x06})); }

TEST(MsgpackWrite, SpecInvocationExamples) {
  invocation_message m{{}, "xyz", "method", array{42}, {}};
  std::string body = raw({0x96, 0x01, 0x80}) + xyz + method + raw({0x91, 0x2a, 0x90});
  EXPECT_EQ(hex(write_one(mp(), m)), hex(frame(body)));
  m.invocation_id.reset();
  body = raw({0x96, 0x01, 0x80, 0xc0}) + method + raw({0x91, 0x2a, 0x90});
  EXPECT_EQ(hex(write_one(mp(), m)), hex(frame(body)));
  m.headers = {{"x", "y"}, {"z", "z"}};
  m.invocation_id = "xyz";
  body = raw({0x96, 0x01, 0x82, 0xa1, 'x', 0xa1, 'y', 0xa1, 'z', 0xa1, 'z'}) + xyz + method + raw({0x91, 0x2a, 0x90});
  EXPECT_EQ(hex(write_one(mp(), m)), hex(frame(body)));
}

TEST(MsgpackWrite, SpecStreamInvocationStreamItemCancel) {
  EXPECT_EQ(hex(write_one(mp(), stream_invocation_message{{}, "xyz", "method", array{42}, {}})),
            hex(frame(raw({0x96, 0x04, 0x80}) + xyz + method + raw({0x91, 0x2a, 0x90}))));
  EXPECT_EQ(hex(write_one(mp(), stream_item_message{{}, "xyz", 42})),
            hex(frame(raw({0x94, 0x02, 0x80}) + xyz + raw({0x2a}))));
  EXPECT_EQ(hex(write_one(mp(), cancel_invocation_message{{}, "xyz"})), hex(frame(raw({0x93, 0x05, 0x80}) + xyz)));
}

TEST(MsgpackWrite, SpecCompletionExamples) {
  EXPECT_EQ(hex(write_one(mp(), completion_message{{}, "xyz", "Error", std::nullopt})),
            hex(frame(raw({0x95, 0x03, 0x80}) + xyz + raw({0x01, 0xa5, 'E', 'r', 'r', 'o', 'r'}))));
  EXPECT_EQ(hex(write_one(mp(), completion_message{{}, "xyz", std::nullopt, std::nullopt})),
            hex(frame(raw({0x94, 0x03, 0x80}) + xyz + raw({0x02}))));
  EXPECT_EQ(hex(write_one(mp(), completion_message{{}, "xyz", std::nullopt, value(42)})),
            hex(frame(raw({0x95, 0x03, 0x80}) + xyz + raw({0x03, 0x2a}))));
  EXPECT_EQ(hex(write_one(mp(), completion_message{{}, "xyz", std::nullopt, value(nullptr)})),
            hex(frame(raw({0x95, 0x03, 0x80}) + xyz + raw({0x03, 0xc0}))));
}

TEST(MsgpackWrite, CloseAckSequence) {
  // Close always carries all three items, as ASP.NET Core writes it.
  EXPECT_EQ(hex(write_one(mp(), close_message{"xyz", true})), hex(frame(raw({0x93, 0x07}) + xyz + raw({0xc3}))));
  EXPECT_EQ(hex(write_one(mp(), close_message{})), hex(frame(raw({0x93, 0x07, 0xc0, 0xc2}))));
  EXPECT_EQ(hex(write_one(mp(), ack_message{36})), hex(frame(raw({0x92, 0x08, 0x24}))));
  EXPECT_EQ(hex(write_one(mp(), sequence_message{300})), hex(frame(raw({0x92, 0x09, 0xcd, 0x01, 0x2c}))));
}

TEST(MsgpackWrite, VarIntPrefixForLongBodies) {
  for (std::size_t len : {100u, 127u, 128u, 5248u, 20000u, 70000u}) {
    stream_item_message m{{}, "1", std::string(len, 'a')};
    std::string w = write_one(mp(), m);
    // Prefix decodes to the body size.
    std::size_t n = 0, i = 0;
    for (int shift = 0;; shift += 7) {
      auto b = static_cast<unsigned char>(w[i++]);
      n |= std::size_t(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    EXPECT_EQ(n, w.size() - i) << len;
    auto back = parse_all(mp(), w, 1 << 20);
    ASSERT_TRUE(back.status) << back.status.error;
    ASSERT_EQ(back.messages.size(), 1u);
    EXPECT_TRUE(same(back.messages[0], m));
  }
  EXPECT_EQ(hex(varint(5248)), "80 29");  // the spec's example, for the helper itself
}

TEST(MsgpackWrite, AppendsToExistingOutput) {
  std::string out = "ab";
  mp().write(ping_message{}, out);
  mp().write(ping_message{}, out);
  EXPECT_EQ(out, "ab" + raw({2, 0x91, 6, 2, 0x91, 6}));
}

// ---- values -------------------------------------------------------------------------------------------

TEST(MsgpackValue, CompactIntegersAndFloats) {
  EXPECT_EQ(hex(packed(0)), "00");
  EXPECT_EQ(hex(packed(127)), "7f");
  EXPECT_EQ(hex(packed(128)), "cc 80");
  EXPECT_EQ(hex(packed(-1)), "ff");
  EXPECT_EQ(hex(packed(-33)), "d0 df");
  EXPECT_EQ(hex(packed(std::numeric_limits<std::uint64_t>::max())), "cf ff ff ff ff ff ff ff ff");
  EXPECT_EQ(hex(packed(1.5)), "cb 3f f8 00 00 00 00 00 00");
  EXPECT_EQ(hex(packed(nullptr)), "c0");
  EXPECT_EQ(hex(packed(true)), "c3");
  EXPECT_EQ(hex(packed("hi")), "a2 68 69");
  EXPECT_EQ(hex(packed(bytes{1, 2, 3})), "c4 03 01 02 03");
  EXPECT_EQ(hex(packed(object{{"a", 1}})), "81 a1 61 01");
}

TEST(MsgpackValue, ReadsEveryIntegerWidth) {
  EXPECT_EQ(unpacked(raw({0xcc, 0xff})), value(255));
  EXPECT_EQ(unpacked(raw({0xcd, 0x01, 0x00})), value(256));
  EXPECT_EQ(unpacked(raw({0xce, 0xff, 0xff, 0xff, 0xff})), value(4294967295ll));
  EXPECT_EQ(unpacked(raw({0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})),
            value(std::numeric_limits<std::int64_t>::max()));
  value big = unpacked(raw({0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_TRUE(std::holds_alternative<std::uint64_t>(big.get()));
  EXPECT_EQ(unpacked(raw({0xd0, 0x80})), value(-128));
  EXPECT_EQ(unpacked(raw({0xd1, 0x80, 0x00})), value(-32768));
  EXPECT_EQ(unpacked(raw({0xd2, 0x80, 0, 0, 0})), value(-2147483648ll));
  EXPECT_EQ(unpacked(raw({0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0})), value(std::numeric_limits<std::int64_t>::min()));
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(unpacked(raw({0x05})).get()));
  EXPECT_EQ(unpacked(raw({0xca, 0x3f, 0xc0, 0x00, 0x00})), value(1.5));  // float32
}

TEST(MsgpackValue, TimestampFormats) {
  // timestamp 32
  EXPECT_EQ(hex(packed(timestamp{946684800, 0})), "d6 ff 38 6d 43 80");
  EXPECT_EQ(unpacked(raw({0xd6, 0xff, 0x38, 0x6d, 0x43, 0x80})), value(timestamp{946684800, 0}));
  // timestamp 64: nanoseconds, or seconds beyond 32 bits
  for (timestamp t : {timestamp{946684800, 500}, timestamp{(std::int64_t(1) << 34) - 1, 999'999'999},
                      timestamp{std::int64_t(1) << 32, 0}}) {
    std::string p = packed(t);
    EXPECT_EQ(p.substr(0, 2), raw({0xd7, 0xff})) << hex(p);
    EXPECT_EQ(unpacked(p), value(t));
  }
  // timestamp 96: negative or beyond 34 bits
  for (timestamp t : {timestamp{-1, 0}, timestamp{-62135596800, 1}, timestamp{std::int64_t(1) << 34, 7},
                      timestamp{std::numeric_limits<std::int64_t>::min(), 999'999'999}}) {
    std::string p = packed(t);
    EXPECT_EQ(p.substr(0, 3), raw({0xc7, 0x0c, 0xff})) << hex(p);
    EXPECT_EQ(unpacked(p), value(t));
  }
}

TEST(MsgpackValue, ObjectsKeepOrderAndNestedValues) {
  value v(object{{"Z", 1}, {"a", array{bytes{0, 255}, timestamp{1, 2}, nullptr, 2.25, "ü"}}, {"Z", object{}}});
  EXPECT_EQ(unpacked(packed(v)), v);
}

TEST(MsgpackValue, RejectsWhatValueCannotHold) {
  value v;
  std::string err;
  EXPECT_FALSE(parse_msgpack(raw({0x81, 0x01, 0x02}), v, err));  // {1: 2}
  EXPECT_NE(err.find("map key"), std::string::npos) << err;
  EXPECT_FALSE(parse_msgpack(raw({0xd4, 0x05, 0x00}), v, err));  // fixext1 of type 5
  EXPECT_NE(err.find("extension type 5"), std::string::npos) << err;
  EXPECT_FALSE(parse_msgpack(raw({0xd5, 0xff, 0x00, 0x00}), v, err));  // timestamp of 2 bytes
  EXPECT_FALSE(parse_msgpack(raw({0xd7, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}), v, err));  // 2^30-1 ns
  EXPECT_NE(err.find("nanoseconds"), std::string::npos) << err;
  EXPECT_FALSE(parse_msgpack(raw({0xa2, 0xc3, 0x28}), v, err));  // invalid UTF-8
  EXPECT_NE(err.find("UTF-8"), std::string::npos) << err;
  EXPECT_FALSE(parse_msgpack(raw({0xc1}), v, err));  // never-used byte
  EXPECT_FALSE(parse_msgpack(raw({0x92, 0x01}), v, err));  // truncated
  EXPECT_FALSE(parse_msgpack(raw({0x01, 0x02}), v, err));  // extra bytes
  EXPECT_FALSE(parse_msgpack("", v, err));
  EXPECT_FALSE(parse_msgpack(raw({0xdb, 0xff, 0xff, 0xff, 0xff, 'a'}), v, err));  // claims a 4 GB string
  EXPECT_FALSE(parse_msgpack(raw({0xdd, 0xff, 0xff, 0xff, 0xff, 0x01}), v, err));  // claims 4G items
}

// ---- reading spec examples ----------------------------------------------------------------------------

TEST(MsgpackRead, SpecExamples) {
  auto inv = parse_single<invocation_message>(raw({0x96, 0x01, 0x82, 0xa1, 'x', 0xa1, 'y', 0xa1, 'z', 0xa1, 'z'}) +
                                              xyz + method + raw({0x91, 0x2a, 0x90}));
  EXPECT_EQ(inv.headers, (message_headers{{"x", "y"}, {"z", "z"}}));
  EXPECT_EQ(inv.invocation_id, "xyz");
  EXPECT_EQ(inv.target, "method");
  EXPECT_EQ(inv.arguments, array{42});
  auto nb = parse_single<invocation_message>(raw({0x96, 0x01, 0x80, 0xc0}) + method + raw({0x91, 0x2a, 0x90}));
  EXPECT_FALSE(nb.invocation_id);
  auto close2 = parse_single<close_message>(raw({0x92, 0x07}) + xyz);
  EXPECT_EQ(close2.error, "xyz");
  EXPECT_FALSE(close2.allow_reconnect);
  auto close3 = parse_single<close_message>(raw({0x93, 0x07}) + xyz + raw({0xc3}));
  EXPECT_TRUE(close3.allow_reconnect);
  EXPECT_EQ(parse_single<ack_message>(raw({0x92, 0x08, 0xcc, 0x24})).sequence_id, 36);
  EXPECT_EQ(parse_single<sequence_message>(raw({0x92, 0x09, 0xcc, 0x13})).sequence_id, 19);
  auto err = parse_single<completion_message>(raw({0x95, 0x03, 0x80}) + xyz + raw({0x01, 0xa5, 'E', 'r', 'r', 'o', 'r'}));
  EXPECT_EQ(err.error, "Error");
  EXPECT_FALSE(err.result);
  auto vd = parse_single<completion_message>(raw({0x94, 0x03, 0x80}) + xyz + raw({0x02}));
  EXPECT_FALSE(vd.result);
  EXPECT_FALSE(vd.error);
  auto res = parse_single<completion_message>(raw({0x95, 0x03, 0x80}) + xyz + raw({0x03, 0x2a}));
  EXPECT_EQ(res.result, value(42));
  EXPECT_EQ(parse_single<cancel_invocation_message>(raw({0x93, 0x05, 0x80}) + xyz).invocation_id, "xyz");
  EXPECT_EQ(parse_single<stream_item_message>(raw({0x94, 0x02, 0x80}) + xyz + raw({0x2a})).item, value(42));
  parse_single<ping_message>(raw({0x91, 0x06}));
}

TEST(MsgpackRead, StreamIdsAreOptionalAndEmptyIdMeansNonBlocking) {
  auto m = parse_single<invocation_message>(raw({0x95, 0x01, 0x80, 0xa0}) + method + raw({0x90}));
  EXPECT_FALSE(m.invocation_id);  // ASP.NET Core treats "" as no invocation id
  EXPECT_TRUE(m.stream_ids.empty());
  auto s = parse_single<stream_invocation_message>(raw({0x96, 0x04, 0x80}) + xyz + method +
                                                   raw({0x90, 0x92, 0xa1, '1', 0xa1, '2'}));
  EXPECT_EQ(s.stream_ids, (std::vector<std::string>{"1", "2"}));
}

TEST(MsgpackRead, ExtraItemsAndUnknownTypesAreIgnored) {
  parse_single<ping_message>(raw({0x92, 0x06, 0x01}));
  auto r = parse_all(mp(), frame(raw({0x92, 0x2a, 0xc0})) + frame(raw({0x91, 0x06})));
  ASSERT_TRUE(r.status) << r.status.error;
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(type_of(r.messages[0]), message_type::ping);
}

// ---- round trips --------------------------------------------------------------------------------------

TEST(MsgpackRoundTrip, EveryMessageType) {
  value payload(object{{"String", "hello world"},
                       {"IntArray", array{1, 2, 3}},
                       {"ByteArray", bytes{1, 2, 3}},
                       {"DateTime", timestamp{946684800, 0}},
                       {"Big", std::numeric_limits<std::uint64_t>::max()},
                       {"Neg", std::numeric_limits<std::int64_t>::min()},
                       {"F", -0.5}});
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
    auto back = round_trip(mp(), m);
    EXPECT_TRUE(same(m, back)) << hex(write_one(mp(), m));
  }
}

TEST(MsgpackRoundTrip, UnicodeAndBinaryPassThrough) {
  std::string text = "你好，世界！ msgpack 😀";
  bytes blob;
  for (int i = 0; i < 256; ++i) blob.push_back(static_cast<std::uint8_t>(i));
  stream_item_message m{{}, "1", array{text, blob}};
  auto back = std::get<stream_item_message>(round_trip(mp(), m));
  EXPECT_EQ(back.item, value(array{text, blob}));
}

// ---- framing ------------------------------------------------------------------------------------------

TEST(MsgpackFraming, SeveralRecordsAndByteByByte) {
  std::vector<hub_message> sent = {invocation_message{{}, "1", "Echo", array{"héllo", bytes{9}}, {}},
                                   ping_message{}, completion_message{{}, "2", std::nullopt, value(5)},
                                   stream_item_message{{}, "3", std::string(300, 'x')}};
  std::string wire;
  for (auto& m : sent) mp().write(m, wire);
  auto all = parse_all(mp(), wire);
  ASSERT_TRUE(all.status);
  EXPECT_EQ(all.messages.size(), sent.size());
  std::string buffer;
  std::vector<hub_message> got;
  for (char c : wire) {
    buffer.push_back(c);
    std::string_view in = buffer;
    ASSERT_TRUE(mp().parse(in, got, 1024));
    buffer.erase(0, buffer.size() - in.size());
  }
  EXPECT_TRUE(buffer.empty());
  ASSERT_EQ(got.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) EXPECT_TRUE(same(sent[i], got[i]));
}

TEST(MsgpackFraming, TruncatedVarIntAndBodyWait) {
  auto r = parse_all(mp(), raw({0x80}));
  EXPECT_TRUE(r.status);
  EXPECT_EQ(r.rest, raw({0x80}));
  r = parse_all(mp(), raw({0xff, 0xff, 0xff, 0xff}), std::size_t(1) << 31);
  EXPECT_TRUE(r.status);
  EXPECT_EQ(r.rest.size(), 4u);
  r = parse_all(mp(), frame(raw({0x91, 0x06})) + raw({0x05, 0x95, 0x01}));
  EXPECT_TRUE(r.status);
  EXPECT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.rest, raw({0x05, 0x95, 0x01}));
}

TEST(MsgpackFraming, LengthLimits) {
  // A length beyond max_message_size is too_large as soon as the prefix is complete, before the body.
  EXPECT_EQ(parse_all(mp(), varint(40000) + "abc", 32768).status.code, parse_status::too_large);
  EXPECT_EQ(parse_all(mp(), frame(raw({0x91, 0x06})), 1).status.code, parse_status::too_large);
  EXPECT_TRUE(parse_all(mp(), frame(raw({0x91, 0x06})), 2).status);
  // 0x7fffffff is the largest length; a fifth byte above 0x07 is invalid.
  EXPECT_EQ(parse_all(mp(), raw({0xff, 0xff, 0xff, 0xff, 0x07}), 32768).status.code, parse_status::too_large);
  EXPECT_EQ(parse_all(mp(), raw({0xff, 0xff, 0xff, 0xff, 0x08}), 32768).status.code, parse_status::invalid);
  EXPECT_EQ(parse_all(mp(), raw({0x80, 0x80, 0x80, 0x80, 0x80, 0x01}), 32768).status.code, parse_status::invalid);
  EXPECT_EQ(parse_all(mp(), raw({0x00})).status.code, parse_status::invalid);  // empty record
}

// ---- malformed messages -------------------------------------------------------------------------------

struct bad_mp {
  std::string body;
  std::string error_part;
};

class MsgpackInvalid : public ::testing::TestWithParam<bad_mp> {};

TEST_P(MsgpackInvalid, IsInvalidWithAMessage) {
  auto st = body_error(GetParam().body);
  EXPECT_EQ(st.code, parse_status::invalid) << hex(GetParam().body);
  EXPECT_NE(st.error.find(GetParam().error_part), std::string::npos) << st.error;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MsgpackInvalid,
    ::testing::Values(
        bad_mp{raw({0x2a}), "must be a MessagePack array"}, bad_mp{raw({0x80}), "must be a MessagePack array"},
        bad_mp{raw({0x90}), "non-empty array"}, bad_mp{raw({0x91, 0xa1, '1'}), "type must be an integer"},
        bad_mp{raw({0x91, 0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}), "type must be an integer"},
        bad_mp{raw({0x94, 0x01, 0x80, 0xc0}) + method, "Invocation message: expected at least 5 items, got 4"},
        bad_mp{raw({0x95, 0x01, 0x90, 0xc0}) + method + raw({0x90}), "Headers must be a map"},
        bad_mp{raw({0x95, 0x01, 0x81, 0xa1, 'a', 0x01, 0xc0}) + method + raw({0x90}), "header 'a'"},
        bad_mp{raw({0x95, 0x01, 0x80, 0x01}) + method + raw({0x90}), "InvocationId must be a string or nil"},
        bad_mp{raw({0x95, 0x01, 0x80, 0xc0, 0x01, 0x90}), "Target must be a string"},
        bad_mp{raw({0x95, 0x01, 0x80, 0xc0}) + method + raw({0x80}), "Arguments must be an array"},
        bad_mp{raw({0x96, 0x01, 0x80, 0xc0}) + method + raw({0x90, 0x91, 0x01}), "StreamIds"},
        bad_mp{raw({0x96, 0x01, 0x80, 0xc0}) + method + raw({0x90, 0xa1, 'x'}), "StreamIds must be an array"},
        bad_mp{raw({0x93, 0x02, 0x80}) + xyz, "StreamItem message: expected at least 4"},
        bad_mp{raw({0x94, 0x02, 0x80, 0xc0, 0x01}), "InvocationId must be a string"},
        bad_mp{raw({0x93, 0x03, 0x80}) + xyz, "Completion message: expected at least 4"},
        bad_mp{raw({0x94, 0x03, 0x80}) + xyz + raw({0x03}), "Completion message: expected at least 5"},
        bad_mp{raw({0x94, 0x03, 0x80}) + xyz + raw({0x01}), "Completion message: expected at least 5"},
        bad_mp{raw({0x95, 0x03, 0x80}) + xyz + raw({0x01, 0x02}), "Error must be a string"},
        bad_mp{raw({0x95, 0x03, 0x80}) + xyz + raw({0x04, 0x02}), "unknown ResultKind 4"},
        bad_mp{raw({0x95, 0x03, 0x80}) + xyz + raw({0xa1, '3', 0x02}), "ResultKind must be an integer"},
        bad_mp{raw({0x95, 0x04, 0x80, 0xc0}) + method + raw({0x90}), "InvocationId must be a string"},
        bad_mp{raw({0x94, 0x04, 0x80}) + xyz + method, "StreamInvocation message: expected at least 5"},
        bad_mp{raw({0x92, 0x05, 0x80}), "CancelInvocation message: expected at least 3"},
        bad_mp{raw({0x91, 0x07}), "Close message: expected at least 2"},
        bad_mp{raw({0x92, 0x07, 0x01}), "Error must be a string"},
        bad_mp{raw({0x93, 0x07, 0xc0, 0x01}), "AllowReconnect must be a boolean"},
        bad_mp{raw({0x91, 0x08}), "Ack message: expected at least 2"},
        bad_mp{raw({0x92, 0x09, 0xa1, '1'}), "SequenceId must be an integer"},
        bad_mp{raw({0x92, 0x08, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), "SequenceId must be an integer"},
        bad_mp{raw({0x96, 0x01, 0x80}), "truncated"}, bad_mp{raw({0x91, 0x06, 0x06}), "extra bytes"},
        bad_mp{raw({0xc1}), "malformed"}, bad_mp{raw({0x92, 0x06, 0x81, 0x01, 0x01}), "map key"},
        bad_mp{raw({0x92, 0x06, 0xa2, 0xff, 0xfe}), "UTF-8"}));

TEST(MsgpackLimits, DeepNestingIsRejectedNotACrash) {
  std::string deep = raw({0x94, 0x02, 0x80}) + xyz + std::string(100000, '\x91') + raw({0x01});
  auto st = parse_all(mp(), frame(deep), 1 << 20).status;
  EXPECT_EQ(st.code, parse_status::invalid);
  EXPECT_NE(st.error.find("nesting"), std::string::npos) << st.error;
  std::string ok = raw({0x94, 0x02, 0x80}) + xyz + std::string(60, '\x91') + raw({0x01});
  EXPECT_TRUE(parse_all(mp(), frame(ok)).status);
  std::string maps = raw({0x94, 0x02, 0x80}) + xyz;
  for (int i = 0; i < 10000; ++i) maps += raw({0x81, 0xa1, 'a'});
  EXPECT_EQ(parse_all(mp(), frame(maps + raw({0x01})), 1 << 20).status.code, parse_status::invalid);
}

TEST(MsgpackLimits, RandomGarbageNeverCrashes) {
  std::uint32_t seed = 777;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  for (int round = 0; round < 5000; ++round) {
    std::string junk(next() % 200, '\0');
    for (auto& c : junk) c = static_cast<char>(next() >> 24);
    if (round % 2 == 0) junk = frame(raw({0x95, 0x01, 0x80}) + junk);
    std::string_view in = junk;
    std::vector<hub_message> out;
    auto st = mp().parse(in, out, 1024);
    EXPECT_TRUE(st || !st.error.empty());
  }
}

// A message decoded from one protocol is re-encoded for the other (fan-out to mixed clients).
TEST(CrossProtocol, JsonToMessagePackAndBack) {
  std::string json_wire =
      "{\"type\":1,\"target\":\"Send\",\"arguments\":[\"你好\",{\"Name\":\"test\",\"Value\":42,\"L\":[1.5,null,true]},"
      "18446744073709551615,-9223372036854775808]}\x1e";
  auto from_json = parse_all(json_protocol(), json_wire);
  ASSERT_TRUE(from_json.status) << from_json.status.error;
  ASSERT_EQ(from_json.messages.size(), 1u);
  auto via_mp = round_trip(mp(), from_json.messages[0]);
  EXPECT_TRUE(same(via_mp, from_json.messages[0]));
  EXPECT_EQ(write_one(json_protocol(), via_mp), json_wire);
}

TEST(CrossProtocol, MessagePackBinaryAndTimestampBecomeJsonStrings) {
  completion_message c{{}, "1", std::nullopt,
                       value(object{{"ByteArray", bytes{1, 2, 3}}, {"DateTime", timestamp{946684800, 0}}})};
  auto back = round_trip(mp(), c);
  EXPECT_EQ(write_one(json_protocol(), back),
            "{\"type\":3,\"invocationId\":\"1\",\"result\":{\"ByteArray\":\"AQID\",\"DateTime\":\"2000-01-01T00:00:00Z\"}}\x1e");
}
