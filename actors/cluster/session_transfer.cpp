// See session_transfer.hpp.
#include "actors/cluster/session_transfer.hpp"

#include <cctype>
#include <limits>

#include "net/hub_protocol.hpp"
#include "net/json_value.hpp"

namespace actorhub::cluster {

namespace {

value pairs_value(const string_pairs& pairs) {
  array a;
  a.reserve(pairs.size());
  for (auto& [k, v] : pairs) a.push_back(value(array{value(k), value(v)}));
  return value(std::move(a));
}

string_pairs pairs_of(const value* v) {
  string_pairs out;
  const array* a = v ? v->if_array() : nullptr;
  if (!a) return out;
  for (auto& item : *a) {
    const array* kv = item.if_array();
    if (!kv || kv->size() != 2 || !(*kv)[0].if_string() || !(*kv)[1].if_string()) continue;
    out.emplace_back(*(*kv)[0].if_string(), *(*kv)[1].if_string());
  }
  return out;
}

const value* member(const object& o, std::string_view name) {
  for (auto& [k, v] : o)
    if (k == name) return &v;
  return nullptr;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

wire::session_handoff to_wire(const session_snapshot& snap, const std::vector<std::string>& groups) {
  wire::session_handoff h;
  h.connection_id = snap.connection_id;
  h.token = snap.token;
  h.user_id = snap.info.user_id;
  h.protocol = snap.protocol;
  object info{{"transport", value(snap.info.transport)},
              {"headers", pairs_value(snap.info.headers)},
              {"query", pairs_value(snap.info.query)},
              {"cookies", pairs_value(snap.info.cookies)},
              {"claims", value(snap.info.claims)}};
  write_json(info, h.connection_info);
  h.groups = groups;
  h.next_outbound_sequence = static_cast<std::uint64_t>(snap.next_outbound_seq);
  h.last_inbound_sequence = static_cast<std::uint64_t>(snap.last_inbound_seq);
  h.unacknowledged.reserve(snap.unacked.size());
  for (auto& r : snap.unacked) h.unacknowledged.push_back(r.bytes);
  return h;
}

std::optional<session_snapshot> from_wire(const wire::session_handoff& h, const std::string& hub_name) {
  constexpr auto max_seq = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (h.connection_id.empty() || h.token.empty() || !find_protocol(h.protocol)) return std::nullopt;
  if (h.next_outbound_sequence < 1 || h.next_outbound_sequence > max_seq || h.last_inbound_sequence > max_seq ||
      h.unacknowledged.size() > h.next_outbound_sequence - 1)
    return std::nullopt;
  session_snapshot s;
  s.connection_id = h.connection_id;
  s.token = h.token;
  s.hub_path = "/" + lower(hub_name);  // the hub's path on every node (conformance-hub, node::add_hub)
  s.protocol = h.protocol;
  s.stateful = true;
  s.info.connection_id = h.connection_id;
  s.info.hub = lower(hub_name);
  s.info.protocol = h.protocol;
  s.info.user_id = h.user_id;
  value info;
  std::string err;
  if (parse_json(h.connection_info, info, err))
    if (const object* o = info.if_object()) {
      if (auto* t = member(*o, "transport"); t && t->if_string()) s.info.transport = *t->if_string();
      s.info.headers = pairs_of(member(*o, "headers"));
      s.info.query = pairs_of(member(*o, "query"));
      s.info.cookies = pairs_of(member(*o, "cookies"));
      if (auto* c = member(*o, "claims"); c && c->if_object()) s.info.claims = *c->if_object();
    }
  s.next_outbound_seq = static_cast<std::int64_t>(h.next_outbound_sequence);
  s.last_inbound_seq = static_cast<std::int64_t>(h.last_inbound_sequence);
  auto seq = s.next_outbound_seq - static_cast<std::int64_t>(h.unacknowledged.size());
  for (auto& bytes : h.unacknowledged) s.unacked.push_back({seq++, bytes});
  return s;
}

}  // namespace actorhub::cluster
