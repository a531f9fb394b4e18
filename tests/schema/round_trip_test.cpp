// Every message survives encode -> decode unchanged, and only its own decoder accepts it.
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "wire_testing.hpp"

namespace actorhub::wire {
namespace {

using namespace std::string_literals;
using testing::all_decoders;

template <class T>
void expect_round_trip(const T& value, std::optional<T> (*decode)(std::string_view)) {
  const std::string bytes = encode(value);
  EXPECT_EQ(bytes.size() % 8, 0u);
  const std::optional<T> decoded = decode(bytes);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, value);
}

std::string binary(std::size_t n, unsigned seed) {  // every byte value, zeros included
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xFF);
  for (std::size_t i = 0; i < n; i += 17) s[i] = '\0';
  return s;
}

std::string long_text(std::size_t n) {  // n bytes of multi-byte UTF-8 and ASCII
  std::string s;
  const char* pieces[] = {"ascii-", "ü", "€", "𝄞", "名", " "};
  for (std::size_t i = 0; s.size() < n; ++i) s += pieces[i % 6];
  return s;
}

TEST(round_trip, every_v1_sample) {
  for (const auto& s : testing::v1::samples()) {
    SCOPED_TRACE(s.name);
    const std::string bytes = s.encode();
    EXPECT_EQ(bytes.size() % 8, 0u);
    EXPECT_TRUE(s.decodes_to_it(bytes));
  }
}

TEST(round_trip, only_the_messages_own_decoder_accepts_it) {
  for (const auto& s : testing::v1::samples()) {
    const std::string bytes = s.encode();
    for (const auto& d : all_decoders())
      EXPECT_EQ(d.accepts(bytes), s.message == d.message) << s.name << " read as " << d.message;
  }
}

TEST(round_trip, membership_with_large_values) {
  node_info n{long_text(70000), 1, long_text(100), "h:1", std::string()};
  expect_round_trip(hello{n, binary(32, 1)}, &decode_hello);
  expect_round_trip(challenge{n, binary(32, 2), binary(32, 3)}, &decode_challenge);
  expect_round_trip(proof{binary(100000, 4)}, &decode_proof);
  member_list many;
  for (int i = 0; i < 1000; ++i)
    many.members.push_back(node_info{"node-" + std::to_string(i), std::uint64_t(i) << 40, "t" + std::to_string(i),
                                     "10.0.0." + std::to_string(i % 250) + ":4100", ""});
  expect_round_trip(many, &decode_member_list);
  expect_round_trip(leaving{long_text(5000), std::numeric_limits<std::uint64_t>::max()}, &decode_leaving);
}

TEST(round_trip, delivery_every_target_kind_and_large_lists) {
  for (auto kind : {target_kind::all, target_kind::connections, target_kind::users, target_kind::groups}) {
    delivery d;
    d.kind = kind;
    for (int i = 0; i < 5000; ++i) d.names.push_back("c-" + std::to_string(i) + "-ü");
    d.excluded = {"", long_text(300)};
    d.payloads = {payload{"json", long_text(200000)}, payload{"messagepack", binary(300000, 5)}, payload{}};
    d.sent_at_ns = std::numeric_limits<std::uint64_t>::max();
    d.sequence = 123456789;
    expect_round_trip(d, &decode_delivery);
  }
  expect_round_trip(delivery{}, &decode_delivery);  // every list empty
}

TEST(round_trip, directory_presence_and_results_every_enum_value) {
  for (bool flag : {true, false}) {
    expect_round_trip(group_change{"c", "g\0h"s, flag}, &decode_group_change);
    for (auto kind : {directory_kind::group, directory_kind::user})
      expect_round_trip(directory_change{kind, "名前", flag}, &decode_directory_change);
    expect_round_trip(presence_answer{{"x", "ÿ"}, 3, flag}, &decode_presence_answer);
  }
  for (auto kind : {presence_kind::group_connections, presence_kind::group_users, presence_kind::connection_count,
                    presence_kind::user_online})
    expect_round_trip(presence_query{kind, "g"}, &decode_presence_query);
  for (auto status : {result_status::ok, result_status::error, result_status::timeout, result_status::no_connection,
                      result_status::disconnected})
    expect_round_trip(client_result{status, binary(64, 6), "é"}, &decode_client_result);
  expect_round_trip(client_invocation{"c", "M", binary(100000, 7), 0}, &decode_client_invocation);
  expect_round_trip(client_invocation{"c", "M", "", std::numeric_limits<std::uint32_t>::max()},
                    &decode_client_invocation);
  expect_round_trip(directory_snapshot{std::vector<std::string>(20000, "g"), {"u1", "", "u3"}},
                    &decode_directory_snapshot);
  expect_round_trip(credit{0}, &decode_credit);
}

TEST(round_trip, session_handoff_with_a_full_buffer) {
  session_handoff h;
  h.connection_id = "a1.c";
  h.token = long_text(500);
  h.protocol = "json";
  h.connection_info = binary(4000, 8);
  for (int i = 0; i < 2000; ++i) h.unacknowledged.push_back(binary(std::size_t(i % 300), unsigned(i)));
  h.unacknowledged.push_back("");
  h.next_outbound_sequence = std::numeric_limits<std::uint64_t>::max();
  h.last_inbound_sequence = 0;
  expect_round_trip(h, &decode_session_handoff);
}

TEST(round_trip, the_steps_of_a_session_move) {
  expect_round_trip(session_moved{"a1.c", long_text(200), "b2", "node-b"}, &decode_session_moved);
  expect_round_trip(session_moved{}, &decode_session_moved);
  for (auto step : {move_step::imported, move_step::refused, move_step::switched, move_step::flushed})
    expect_round_trip(move_marker{"a1.c", step, "node-c"}, &decode_move_marker);
  EXPECT_FALSE(decode_move_marker(encode(session_moved{"a1.c", "t", "b2", "node-b"})));
}

TEST(round_trip, unicode_edge_cases_are_accepted) {
  // The largest code points of each length, U+FFFD, the last before the surrogates, the first after, a NUL.
  for (std::string s : {"\x7F"s, "\xDF\xBF"s, "\xEF\xBF\xBF"s, "\xF4\x8F\xBF\xBF"s, "\xEF\xBF\xBD"s,
                        "\xED\x9F\xBF"s, "\xEE\x80\x80"s, "a\0b"s, "\xF0\x90\x80\x80"s})
    expect_round_trip(leaving{s, 1}, &decode_leaving);
}

// Text that is not UTF-8 is written with U+FFFD in place of each offending byte, so the peer still accepts it.
TEST(round_trip, encode_replaces_invalid_utf8) {
  const auto decoded = decode_leaving(encode(leaving{"a\xFF" "b\xC0\xAF" "c\xED\xA0\x80" "d\xE2\x82", 1}));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->name,
            "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "d\xEF\xBF\xBD\xEF\xBF\xBD");
  const auto result = decode_client_result(encode(client_result{result_status::error, "", "bad \x80 byte"}));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->error, "bad \xEF\xBF\xBD byte");
  // Data fields carry any bytes unchanged.
  const auto handoff = decode_session_handoff(encode(session_handoff{"c", "t", "u", "json", "\xFF\xC0", {}, 1, 0,
                                                                     {"\xFF"}}));
  ASSERT_TRUE(handoff);
  EXPECT_EQ(handoff->connection_info, "\xFF\xC0");
  EXPECT_EQ(handoff->unacknowledged, std::vector<std::string>{"\xFF"});
}

}  // namespace
}  // namespace actorhub::wire
