// Helpers shared by the codec tests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "net/hub_protocol.hpp"

namespace actorhub::test {

// Field-wise equality of hub messages (the message structs define no operator==).
inline bool same(const invocation_message& a, const invocation_message& b) {
  return a.headers == b.headers && a.invocation_id == b.invocation_id && a.target == b.target &&
         a.arguments == b.arguments && a.stream_ids == b.stream_ids;
}
inline bool same(const stream_item_message& a, const stream_item_message& b) {
  return a.headers == b.headers && a.invocation_id == b.invocation_id && a.item == b.item;
}
inline bool same(const completion_message& a, const completion_message& b) {
  return a.headers == b.headers && a.invocation_id == b.invocation_id && a.error == b.error &&
         a.result == b.result;
}
inline bool same(const stream_invocation_message& a, const stream_invocation_message& b) {
  return a.headers == b.headers && a.invocation_id == b.invocation_id && a.target == b.target &&
         a.arguments == b.arguments && a.stream_ids == b.stream_ids;
}
inline bool same(const cancel_invocation_message& a, const cancel_invocation_message& b) {
  return a.headers == b.headers && a.invocation_id == b.invocation_id;
}
inline bool same(const ping_message&, const ping_message&) { return true; }
inline bool same(const close_message& a, const close_message& b) {
  return a.error == b.error && a.allow_reconnect == b.allow_reconnect;
}
inline bool same(const ack_message& a, const ack_message& b) { return a.sequence_id == b.sequence_id; }
inline bool same(const sequence_message& a, const sequence_message& b) { return a.sequence_id == b.sequence_id; }

inline bool same(const hub_message& a, const hub_message& b) {
  if (a.index() != b.index()) return false;
  return std::visit([&](const auto& x) { return same(x, std::get<std::decay_t<decltype(x)>>(b)); }, a);
}

inline std::string write_one(const hub_protocol& p, const hub_message& m) {
  std::string out;
  p.write(m, out);
  return out;
}

struct parsed {
  parse_status status;
  std::vector<hub_message> messages;
  std::string rest;  // what stayed in the input
};

inline parsed parse_all(const hub_protocol& p, std::string_view in, std::size_t max = 32 * 1024) {
  parsed r;
  r.status = p.parse(in, r.messages, max);
  r.rest = std::string(in);
  return r;
}

// Writes `m`, parses it back, and returns the single decoded message.
inline hub_message round_trip(const hub_protocol& p, const hub_message& m) {
  auto r = parse_all(p, write_one(p, m));
  if (!r.status || r.messages.size() != 1 || !r.rest.empty()) return close_message{"round trip failed", true};
  return r.messages.front();
}

}  // namespace actorhub::test
