// Helpers shared by the schema tests and by schema_write_fixtures: field-wise equality and printing of the wire
// structs (they define no operator==), a table of every decoder, and the samples of each schema version.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "schema/cluster_wire.hpp"

namespace actorhub::wire {

// Every field of every message, in declaration order. A field added to a struct must be added here too (the
// tests would still compile without it, but would no longer compare it).
inline auto fields(const node_info& v) {
  return std::tie(v.name, v.incarnation, v.tag, v.node_address, v.http_address);
}
inline auto fields(const hello& v) { return std::tie(v.node, v.nonce); }
inline auto fields(const challenge& v) { return std::tie(v.node, v.nonce, v.proof); }
inline auto fields(const proof& v) { return std::tie(v.proof); }
inline auto fields(const member_list& v) { return std::tie(v.members); }
inline auto fields(const leaving& v) { return std::tie(v.name, v.incarnation); }
inline auto fields(const payload& v) { return std::tie(v.protocol, v.bytes); }
inline auto fields(const delivery& v) {
  return std::tie(v.kind, v.names, v.excluded, v.payloads, v.sent_at_ns, v.sequence);
}
inline auto fields(const group_change& v) { return std::tie(v.connection_id, v.group, v.join); }
inline auto fields(const directory_change& v) { return std::tie(v.kind, v.name, v.present); }
inline auto fields(const directory_snapshot& v) { return std::tie(v.groups, v.users); }
inline auto fields(const client_invocation& v) {
  return std::tie(v.connection_id, v.target, v.arguments, v.timeout_ms);
}
inline auto fields(const client_result& v) { return std::tie(v.status, v.result, v.error); }
inline auto fields(const presence_query& v) { return std::tie(v.kind, v.name); }
inline auto fields(const presence_answer& v) { return std::tie(v.names, v.count, v.found); }
inline auto fields(const credit& v) { return std::tie(v.sequence); }
inline auto fields(const session_handoff& v) {
  return std::tie(v.connection_id, v.token, v.user_id, v.protocol, v.connection_info, v.groups,
                  v.next_outbound_sequence, v.last_inbound_sequence, v.unacknowledged);
}
inline auto fields(const session_moved& v) { return std::tie(v.connection_id, v.token, v.to_tag, v.to_node); }
inline auto fields(const move_marker& v) { return std::tie(v.connection_id, v.step, v.node); }

template <class T, class = decltype(fields(std::declval<const T&>()))>
bool operator==(const T& a, const T& b) {
  return fields(a) == fields(b);
}
template <class T, class = decltype(fields(std::declval<const T&>()))>
bool operator!=(const T& a, const T& b) {
  return !(a == b);
}
// gtest prints the fields as a tuple (strings escaped). One overload per struct: a template would be as
// specialised as gtest's own PrintTo template, hence ambiguous.
#define ACTORHUB_WIRE_PRINT(T) \
  inline void PrintTo(const T& v, std::ostream* os) { *os << #T << ::testing::PrintToString(fields(v)); }
ACTORHUB_WIRE_PRINT(node_info)
ACTORHUB_WIRE_PRINT(hello)
ACTORHUB_WIRE_PRINT(challenge)
ACTORHUB_WIRE_PRINT(proof)
ACTORHUB_WIRE_PRINT(member_list)
ACTORHUB_WIRE_PRINT(leaving)
ACTORHUB_WIRE_PRINT(payload)
ACTORHUB_WIRE_PRINT(delivery)
ACTORHUB_WIRE_PRINT(group_change)
ACTORHUB_WIRE_PRINT(directory_change)
ACTORHUB_WIRE_PRINT(directory_snapshot)
ACTORHUB_WIRE_PRINT(client_invocation)
ACTORHUB_WIRE_PRINT(client_result)
ACTORHUB_WIRE_PRINT(presence_query)
ACTORHUB_WIRE_PRINT(presence_answer)
ACTORHUB_WIRE_PRINT(credit)
ACTORHUB_WIRE_PRINT(session_handoff)
ACTORHUB_WIRE_PRINT(session_moved)
ACTORHUB_WIRE_PRINT(move_marker)
#undef ACTORHUB_WIRE_PRINT
inline void PrintTo(target_kind v, std::ostream* os) { *os << "target_kind(" << int(v) << ")"; }
inline void PrintTo(directory_kind v, std::ostream* os) { *os << "directory_kind(" << int(v) << ")"; }
inline void PrintTo(result_status v, std::ostream* os) { *os << "result_status(" << int(v) << ")"; }
inline void PrintTo(presence_kind v, std::ostream* os) { *os << "presence_kind(" << int(v) << ")"; }
inline void PrintTo(move_step v, std::ostream* os) { *os << "move_step(" << int(v) << ")"; }

}  // namespace actorhub::wire

namespace actorhub::wire::testing {

using namespace std::string_literals;

// Every decoder, by message name: used to check that bytes of one message are rejected by all the others.
struct named_decoder {
  const char* message;
  std::function<std::optional<std::string>(std::string_view)> reencode;  // encode(*decode_*(bytes)) or nullopt
  bool accepts(std::string_view bytes) const { return reencode(bytes).has_value(); }
};

template <class T>
std::function<std::optional<std::string>(std::string_view)> reencoder(std::optional<T> (*decode)(std::string_view)) {
  return [decode](std::string_view bytes) -> std::optional<std::string> {
    if (auto v = decode(bytes)) return wire::encode(*v);
    return std::nullopt;
  };
}
inline const std::vector<named_decoder>& all_decoders() {
  static const std::vector<named_decoder> decoders = {
      {"hello", reencoder(&decode_hello)},
      {"challenge", reencoder(&decode_challenge)},
      {"proof", reencoder(&decode_proof)},
      {"member_list", reencoder(&decode_member_list)},
      {"leaving", reencoder(&decode_leaving)},
      {"delivery", reencoder(&decode_delivery)},
      {"group_change", reencoder(&decode_group_change)},
      {"directory_change", reencoder(&decode_directory_change)},
      {"directory_snapshot", reencoder(&decode_directory_snapshot)},
      {"client_invocation", reencoder(&decode_client_invocation)},
      {"client_result", reencoder(&decode_client_result)},
      {"presence_query", reencoder(&decode_presence_query)},
      {"presence_answer", reencoder(&decode_presence_answer)},
      {"credit", reencoder(&decode_credit)},
      {"session_handoff", reencoder(&decode_session_handoff)},
      {"session_moved", reencoder(&decode_session_moved)},
      {"move_marker", reencoder(&decode_move_marker)},
  };
  return decoders;
}

// One sample value of one message: its name (the fixture file is <name>.bin), which message it is, how the
// current code encodes it, and a check that bytes decode to exactly this value.
struct sample {
  std::string name;
  std::string message;
  std::function<std::string()> encode;
  std::function<::testing::AssertionResult(std::string_view)> decodes_to_it;
};

template <class T>
sample make_sample(std::string name, std::string message, T value,
                   std::optional<T> (*decode)(std::string_view)) {
  sample s;
  s.name = std::move(name);
  s.message = std::move(message);
  s.encode = [value] { return wire::encode(value); };
  s.decodes_to_it = [value, decode](std::string_view bytes) -> ::testing::AssertionResult {
    const std::optional<T> decoded = decode(bytes);
    if (!decoded) return ::testing::AssertionFailure() << "decode failed (nullopt)";
    if (*decoded != value)
      return ::testing::AssertionFailure() << "decoded " << ::testing::PrintToString(*decoded) << "\n  expected "
                                           << ::testing::PrintToString(value);
    return ::testing::AssertionSuccess();
  };
  return s;
}

// -- schema version 1 --------------------------------------------------------------------------------------------
//
// FROZEN. tests/schema/v1/<name>.bin holds the bytes the first schema version wrote for each of these values
// (written once by schema_write_fixtures). Never edit these values or those files: they are what a node of that
// version sends, and evolution_test checks that the current code still reads them back to these values.
//
// When a field is added later, these values do not set it, so they hold the field's C++ default, and the v1
// bytes (which lack the field) must decode to that default: the new field's Cap'n Proto default must equal its
// C++ default. See evolution_test.cpp for the steps of a schema version 2.
namespace v1 {

inline node_info node_a() {
  node_info n;
  n.name = "node-a";
  n.incarnation = 0x0123456789ABCDEFull;
  n.tag = "a1";
  n.node_address = "10.0.0.1:4100";
  n.http_address = "[::1]:5000";
  return n;
}

inline node_info node_b() {  // unicode, the largest incarnation, empty strings
  node_info n;
  n.name = "nœud-b ✓ 節点";
  n.incarnation = std::numeric_limits<std::uint64_t>::max();
  return n;
}

inline std::string nonce(char first) {  // 32 bytes, zeros included
  std::string s(32, '\0');
  for (std::size_t i = 0; i < s.size(); i += 3) s[i] = static_cast<char>(first + i * 7);
  return s;
}

inline std::vector<sample> samples() {
  std::vector<sample> out;

  out.push_back(make_sample("hello", "hello", hello{node_a(), nonce('\x01')}, &decode_hello));
  out.push_back(make_sample("hello.default", "hello", hello{}, &decode_hello));

  out.push_back(make_sample("challenge", "challenge", challenge{node_b(), nonce('\x41'), nonce('\xF0')},
                            &decode_challenge));
  out.push_back(make_sample("challenge.default", "challenge", challenge{}, &decode_challenge));

  out.push_back(make_sample("proof", "proof", proof{"\0\0\xFF\x7F proof \0"s + nonce('\x10')}, &decode_proof));
  out.push_back(make_sample("proof.default", "proof", proof{}, &decode_proof));

  out.push_back(make_sample("member_list", "member_list", member_list{{node_a(), node_b()}}, &decode_member_list));
  out.push_back(make_sample("member_list.default", "member_list", member_list{}, &decode_member_list));

  out.push_back(make_sample("leaving", "leaving", leaving{"node-" + std::string(300, 'x') + "-ende", 42},
                            &decode_leaving));
  out.push_back(make_sample("leaving.default", "leaving", leaving{}, &decode_leaving));

  {
    delivery d;
    d.kind = target_kind::groups;
    d.names = {"room-1", "Ärger 🚀", ""};
    d.excluded = {"a1.conn-1"};
    std::string record = "\x95\x01\x80\xC0\xA4Send\x92\xA2hi\xC4\x03"s + "\0\x01\0"s;
    d.payloads = {payload{"json", R"({"type":1,"target":"Send","arguments":["hi ✓"]})" "\x1e"},
                  payload{"messagepack", std::string(1, char(record.size())) + record},
                  payload{"json", std::string(1000, '\0')}};
    d.sent_at_ns = 1764662400123456789ull;
    d.sequence = 7;
    out.push_back(make_sample("delivery", "delivery", d, &decode_delivery));
    delivery c;
    c.kind = target_kind::connections;
    c.names = {"a1.conn-2", "b7.conn-3"};
    c.payloads = {payload{"json", "{}\x1e"}};
    c.sequence = 1;
    out.push_back(make_sample("delivery.connections", "delivery", c, &decode_delivery));
    delivery u;
    u.kind = target_kind::users;
    u.names = {"user-ü"};
    u.excluded = {"a1.conn-2"};
    out.push_back(make_sample("delivery.users", "delivery", u, &decode_delivery));
    out.push_back(make_sample("delivery.default", "delivery", delivery{}, &decode_delivery));
  }

  out.push_back(make_sample("group_change", "group_change", group_change{"a1.conn-9", "room ∑", false},
                            &decode_group_change));
  out.push_back(make_sample("group_change.default", "group_change", group_change{}, &decode_group_change));

  out.push_back(make_sample("directory_change", "directory_change",
                            directory_change{directory_kind::user, "user-ü", false}, &decode_directory_change));
  out.push_back(make_sample("directory_change.default", "directory_change", directory_change{},
                            &decode_directory_change));

  out.push_back(make_sample("directory_snapshot", "directory_snapshot",
                            directory_snapshot{{"g1", "グループ", ""}, {}}, &decode_directory_snapshot));
  out.push_back(make_sample("directory_snapshot.default", "directory_snapshot", directory_snapshot{},
                            &decode_directory_snapshot));

  out.push_back(make_sample("client_invocation", "client_invocation",
                            client_invocation{"a1.conn-3", "GetAnswer", "\x92\xA3" "abc\xC4\x03"s + "\0\x01\xFF"s, 1500},
                            &decode_client_invocation));
  out.push_back(make_sample("client_invocation.default", "client_invocation", client_invocation{},
                            &decode_client_invocation));

  out.push_back(make_sample("client_result", "client_result", client_result{result_status::ok, "\xC4\x02\0\xFF"s, ""},
                            &decode_client_result));
  out.push_back(make_sample("client_result.no_connection", "client_result",
                            client_result{result_status::no_connection, "", "connection a1.conn-3 is gone — 接続なし"},
                            &decode_client_result));
  out.push_back(make_sample("client_result.disconnected", "client_result",
                            client_result{result_status::disconnected, "", "bye"}, &decode_client_result));
  out.push_back(make_sample("client_result.default", "client_result", client_result{}, &decode_client_result));

  out.push_back(make_sample("presence_query", "presence_query", presence_query{presence_kind::user_online, "user-ü"},
                            &decode_presence_query));
  out.push_back(make_sample("presence_query.default", "presence_query", presence_query{}, &decode_presence_query));

  out.push_back(make_sample("presence_answer", "presence_answer", presence_answer{{"a1.conn-1", "a1.conn-2"}, 2, true},
                            &decode_presence_answer));
  out.push_back(make_sample("presence_answer.default", "presence_answer", presence_answer{},
                            &decode_presence_answer));

  out.push_back(make_sample("credit", "credit", credit{std::numeric_limits<std::uint64_t>::max() - 1},
                            &decode_credit));
  out.push_back(make_sample("credit.default", "credit", credit{}, &decode_credit));

  {
    session_handoff h;
    h.connection_id = "a1.conn-7";
    h.token = "tok-é-7";
    h.user_id = "user-7";
    h.protocol = "messagepack";
    // Data, not Text: a header value need not be UTF-8 (the \xFF byte), and the handoff must still arrive.
    h.connection_info = "{\"transport\":\"WebSockets\",\"headers\":{\"x-raw\":\"\xFF\"}}";
    h.groups = {"g1", "g ✓"};
    h.next_outbound_sequence = 12;
    h.last_inbound_sequence = 9;
    h.unacknowledged = {"\x0A\x95\x01\x80\xC0\xA4Send\x91\xA2hi"s, ""s, "\0\0\0"s};
    out.push_back(make_sample("session_handoff", "session_handoff", h, &decode_session_handoff));
    out.push_back(make_sample("session_handoff.default", "session_handoff", session_handoff{},
                              &decode_session_handoff));
  }
  return out;
}

}  // namespace v1
}  // namespace actorhub::wire::testing
