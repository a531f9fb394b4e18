// See hub_structs.hpp.
#include "schema/hub_structs.hpp"

#include <string>

#include "schema/capnp_codec.hpp"

namespace actorhub::wire {

using namespace capnp_codec;
namespace s = schema;

// The C++ enums and the schema enums have the same numeric values: writing casts, reading checks the range.
static_assert(static_cast<int>(s::TargetKind::ALL) == static_cast<int>(target_kind::all));
static_assert(static_cast<int>(s::TargetKind::CONNECTIONS) == static_cast<int>(target_kind::connections));
static_assert(static_cast<int>(s::TargetKind::USERS) == static_cast<int>(target_kind::users));
static_assert(static_cast<int>(s::TargetKind::GROUPS) == static_cast<int>(target_kind::groups));
static_assert(static_cast<int>(s::ResultStatus::OK) == static_cast<int>(result_status::ok));
static_assert(static_cast<int>(s::ResultStatus::ERROR) == static_cast<int>(result_status::error));
static_assert(static_cast<int>(s::ResultStatus::TIMEOUT) == static_cast<int>(result_status::timeout));
static_assert(static_cast<int>(s::ResultStatus::NO_CONNECTION) == static_cast<int>(result_status::no_connection));
static_assert(static_cast<int>(s::ResultStatus::DISCONNECTED) == static_cast<int>(result_status::disconnected));
static_assert(static_cast<int>(s::PresenceKind::GROUP_CONNECTIONS) ==
              static_cast<int>(presence_kind::group_connections));
static_assert(static_cast<int>(s::PresenceKind::GROUP_USERS) == static_cast<int>(presence_kind::group_users));
static_assert(static_cast<int>(s::PresenceKind::CONNECTION_COUNT) ==
              static_cast<int>(presence_kind::connection_count));
static_assert(static_cast<int>(s::PresenceKind::USER_ONLINE) == static_cast<int>(presence_kind::user_online));

void write(s::Payload::Builder b, const payload& v) {
  set_text(v.protocol, [&](auto t) { b.setProtocol(t); });
  b.setBytes(data(v.bytes));
}

void write(s::Delivery::Builder b, const delivery& v) {
  b.setKind(static_cast<s::TargetKind>(v.kind));
  set_texts(b.initNames(static_cast<unsigned>(v.names.size())), v.names);
  set_texts(b.initExcluded(static_cast<unsigned>(v.excluded.size())), v.excluded);
  auto payloads = b.initPayloads(static_cast<unsigned>(v.payloads.size()));
  for (unsigned i = 0; i < v.payloads.size(); ++i) write(payloads[i], v.payloads[i]);
  b.setSentAtNs(v.sent_at_ns);
  b.setSequence(v.sequence);
}

void write(s::ClientInvocation::Builder b, const client_invocation& v) {
  set_text(v.connection_id, [&](auto t) { b.setConnectionId(t); });
  set_text(v.target, [&](auto t) { b.setTarget(t); });
  b.setArguments(data(v.arguments));
  b.setTimeoutMs(v.timeout_ms);
}

void write(s::ClientResult::Builder b, const client_result& v) {
  b.setStatus(static_cast<s::ResultStatus>(v.status));
  b.setResult(data(v.result));
  set_text(v.error, [&](auto t) { b.setError(t); });
}

void write(s::PresenceQuery::Builder b, const presence_query& v) {
  b.setKind(static_cast<s::PresenceKind>(v.kind));
  set_text(v.name, [&](auto t) { b.setName(t); });
}

void write(s::PresenceAnswer::Builder b, const presence_answer& v) {
  set_texts(b.initNames(static_cast<unsigned>(v.names.size())), v.names);
  b.setCount(v.count);
  b.setFound(v.found);
}

payload read(s::Payload::Reader r) {
  payload v;
  v.protocol = text(r.getProtocol());
  v.bytes = bytes(r.getBytes());
  return v;
}

delivery read(s::Delivery::Reader r) {
  delivery v;
  // Unknown kind: rejected (guessing could turn a targeted send into a broadcast).
  v.kind = known(r.getKind(), target_kind::groups);
  v.names = texts(r.getNames());
  v.excluded = texts(r.getExcluded());
  v.payloads = structs<payload>(r.getPayloads(), [](s::Payload::Reader p) { return read(p); });
  v.sent_at_ns = r.getSentAtNs();
  v.sequence = r.getSequence();
  return v;
}

client_invocation read(s::ClientInvocation::Reader r) {
  client_invocation v;
  v.connection_id = text(r.getConnectionId());
  v.target = text(r.getTarget());
  v.arguments = bytes(r.getArguments());
  v.timeout_ms = r.getTimeoutMs();
  return v;
}

client_result read(s::ClientResult::Reader r) {
  client_result v;
  v.result = bytes(r.getResult());
  v.error = text(r.getError());
  const auto status = static_cast<std::uint16_t>(r.getStatus());
  if (status <= static_cast<std::uint16_t>(result_status::disconnected)) {
    v.status = static_cast<result_status>(status);
  } else {
    // A status a newer peer knows and this one does not: the call failed in some new way. Reading it as an
    // error fails the waiting caller now (dropping the message would leave it waiting for the timeout).
    v.status = result_status::error;
    v.result.clear();
    if (v.error.empty()) v.error = "client result with unknown status " + std::to_string(status);
  }
  return v;
}

presence_query read(s::PresenceQuery::Reader r) {
  presence_query v;
  v.kind = known(r.getKind(), presence_kind::user_online);  // unknown: rejected (no answer fits)
  v.name = text(r.getName());
  return v;
}

presence_answer read(s::PresenceAnswer::Reader r) {
  presence_answer v;
  v.names = texts(r.getNames());
  v.count = r.getCount();
  v.found = r.getFound();
  return v;
}

std::size_t approx(const delivery& v) {
  std::size_t size = capnp_codec::approx(v.names) + capnp_codec::approx(v.excluded) + 4 * word_bytes;
  for (const auto& p : v.payloads)
    size += capnp_codec::approx(p.protocol) + capnp_codec::approx(p.bytes) + 2 * word_bytes;
  return size;
}

}  // namespace actorhub::wire
