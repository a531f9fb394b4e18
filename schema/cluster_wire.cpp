// The Cap'n Proto codec of the cluster messages: the only file that includes the generated code.
//
// Every message travels as one ClusterMessage (schema/cluster.capnp), a union whose member names the message
// type, serialised as a single flat array (segment table + segments) by capnp::messageToFlatArray.
//
// Decoding treats the bytes as hostile (they come from another process, before authentication for hello):
//   - the size must be a non-zero multiple of 8 bytes, at most max_message_bytes, and exactly one message
//     (no trailing bytes);
//   - the Cap'n Proto reader runs with a traversal limit of twice the words of the message itself (so at most
//     2 * max_message_bytes / 8 words: a decode reads every word once, and pointers that share or overlap data
//     cannot make it read more) and a nesting limit of 16 (the schema is 5 deep: envelope, delivery, payload
//     list, payload, bytes);
//   - a list of structs must not have zero-sized elements (a list that claims millions of empty elements in a
//     few bytes would otherwise decode into millions of default values);
//   - the union member must be the expected message type;
//   - enum values must be known to this version. An unknown value (from a newer peer) rejects the message, with
//     one exception: an unknown client_result status reads as result_status::error (see hub_structs.cpp), so
//     the waiting caller fails at once instead of timing out;
//   - every Text field must be well-formed UTF-8.
// Any violation, and any kj::Exception or std::exception (bad_alloc included) yields nullopt.
//
// Encoding writes Text fields that are not well-formed UTF-8 with each offending byte replaced by U+FFFD, so a
// message this side writes is always one the other side accepts (callers should not pass such strings; the
// replacement keeps a stray byte in an error text from losing the whole message).
#include "schema/cluster_wire.hpp"

#include <algorithm>
#include <utility>

#include "cluster.capnp.h"
#include "schema/capnp_codec.hpp"
#include "schema/hub_structs.hpp"

namespace actorhub::wire {
namespace {

using namespace capnp_codec;
namespace s = schema;
using Which = s::ClusterMessage::Which;

static_assert(max_message_bytes % word_bytes == 0);

// The C++ enums and the schema enums have the same numeric values: encoding casts, decoding checks the range
// (the hub-traffic enums: hub_structs.cpp).
static_assert(static_cast<int>(s::DirectoryKind::GROUP) == static_cast<int>(directory_kind::group));
static_assert(static_cast<int>(s::DirectoryKind::USER) == static_cast<int>(directory_kind::user));
static_assert(static_cast<int>(s::MoveStep::IMPORTED) == static_cast<int>(move_step::imported));
static_assert(static_cast<int>(s::MoveStep::REFUSED) == static_cast<int>(move_step::refused));
static_assert(static_cast<int>(s::MoveStep::SWITCHED) == static_cast<int>(move_step::switched));
static_assert(static_cast<int>(s::MoveStep::FLUSHED) == static_cast<int>(move_step::flushed));

std::size_t approx(const std::string& v) { return capnp_codec::approx(v); }
std::size_t approx(const std::vector<std::string>& v) { return capnp_codec::approx(v); }
std::size_t approx(const node_info& v) {
  return 6 * word_bytes + approx(v.name) + approx(v.tag) + approx(v.node_address) + approx(v.http_address);
}

// Builds one ClusterMessage; `fill` sets the union member.
template <class Fill>
std::string encode_message(std::size_t approx_bytes, Fill&& fill) {
  return capnp_codec::encode_message<s::ClusterMessage>(approx_bytes, max_message_bytes, std::forward<Fill>(fill));
}

void write(s::NodeInfo::Builder b, const node_info& v) {
  set_text(v.name, [&](auto t) { b.setName(t); });
  b.setIncarnation(v.incarnation);
  set_text(v.tag, [&](auto t) { b.setTag(t); });
  set_text(v.node_address, [&](auto t) { b.setNodeAddress(t); });
  set_text(v.http_address, [&](auto t) { b.setHttpAddress(t); });
}

node_info read(s::NodeInfo::Reader r) {
  node_info v;
  v.name = text(r.getName());
  v.incarnation = r.getIncarnation();
  v.tag = text(r.getTag());
  v.node_address = text(r.getNodeAddress());
  v.http_address = text(r.getHttpAddress());
  return v;
}

// The checks shared by every decode_*() (capnp_codec::read_flat) plus the expected message type; `read`
// converts the union member.
template <class Read>
auto decode_message(std::string_view input, Which expected, Read&& read) noexcept
    -> std::optional<decltype(read(std::declval<s::ClusterMessage::Reader>()))> {
  using result = decltype(read(std::declval<s::ClusterMessage::Reader>()));
  return read_flat<s::ClusterMessage>(input, max_message_bytes,
                                      [&](s::ClusterMessage::Reader root) -> std::optional<result> {
                                        if (root.which() != expected) return std::nullopt;
                                        return read(root);
                                      })
      .value_or(std::nullopt);
}

}  // namespace

// -- membership -----------------------------------------------------------------------------------------------

std::string encode(const hello& v) {
  return encode_message(approx(v.node) + approx(v.nonce), [&](s::ClusterMessage::Builder m) {
    auto b = m.initHello();
    write(b.initNode(), v.node);
    b.setNonce(data(v.nonce));
  });
}

std::optional<hello> decode_hello(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::HELLO, [](s::ClusterMessage::Reader m) {
    const auto r = m.getHello();
    hello v;
    v.node = read(r.getNode());
    v.nonce = bytes(r.getNonce());
    return v;
  });
}

std::string encode(const challenge& v) {
  return encode_message(approx(v.node) + approx(v.nonce) + approx(v.proof), [&](s::ClusterMessage::Builder m) {
    auto b = m.initChallenge();
    write(b.initNode(), v.node);
    b.setNonce(data(v.nonce));
    b.setProof(data(v.proof));
  });
}

std::optional<challenge> decode_challenge(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::CHALLENGE, [](s::ClusterMessage::Reader m) {
    const auto r = m.getChallenge();
    challenge v;
    v.node = read(r.getNode());
    v.nonce = bytes(r.getNonce());
    v.proof = bytes(r.getProof());
    return v;
  });
}

std::string encode(const proof& v) {
  return encode_message(approx(v.proof), [&](s::ClusterMessage::Builder m) {
    m.initProof().setProof(data(v.proof));
  });
}

std::optional<proof> decode_proof(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::PROOF, [](s::ClusterMessage::Reader m) {
    proof v;
    v.proof = bytes(m.getProof().getProof());
    return v;
  });
}

std::string encode(const member_list& v) {
  std::size_t size = word_bytes;
  for (const auto& n : v.members) size += approx(n);
  return encode_message(size, [&](s::ClusterMessage::Builder m) {
    auto list = m.initMemberList().initMembers(static_cast<unsigned>(v.members.size()));
    for (unsigned i = 0; i < v.members.size(); ++i) write(list[i], v.members[i]);
  });
}

std::optional<member_list> decode_member_list(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::MEMBER_LIST, [](s::ClusterMessage::Reader m) {
    member_list v;
    v.members = structs<node_info>(m.getMemberList().getMembers(), [](s::NodeInfo::Reader r) { return read(r); });
    return v;
  });
}

std::string encode(const leaving& v) {
  return encode_message(approx(v.name), [&](s::ClusterMessage::Builder m) {
    auto b = m.initLeaving();
    set_text(v.name, [&](auto t) { b.setName(t); });
    b.setIncarnation(v.incarnation);
  });
}

std::optional<leaving> decode_leaving(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::LEAVING, [](s::ClusterMessage::Reader m) {
    const auto r = m.getLeaving();
    leaving v;
    v.name = text(r.getName());
    v.incarnation = r.getIncarnation();
    return v;
  });
}

// -- hub traffic ----------------------------------------------------------------------------------------------

std::string encode(const delivery& v) {
  return encode_message(wire::approx(v), [&](s::ClusterMessage::Builder m) { write(m.initDelivery(), v); });
}

std::optional<delivery> decode_delivery(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::DELIVERY, [](s::ClusterMessage::Reader m) {
    return read(m.getDelivery());
  });
}

std::string encode(const group_change& v) {
  return encode_message(approx(v.connection_id) + approx(v.group), [&](s::ClusterMessage::Builder m) {
    auto b = m.initGroupChange();
    set_text(v.connection_id, [&](auto t) { b.setConnectionId(t); });
    set_text(v.group, [&](auto t) { b.setGroup(t); });
    b.setJoin(v.join);
  });
}

std::optional<group_change> decode_group_change(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::GROUP_CHANGE, [](s::ClusterMessage::Reader m) {
    const auto r = m.getGroupChange();
    group_change v;
    v.connection_id = text(r.getConnectionId());
    v.group = text(r.getGroup());
    v.join = r.getJoin();
    return v;
  });
}

std::string encode(const directory_change& v) {
  return encode_message(approx(v.name), [&](s::ClusterMessage::Builder m) {
    auto b = m.initDirectoryChange();
    b.setKind(static_cast<s::DirectoryKind>(v.kind));
    set_text(v.name, [&](auto t) { b.setName(t); });
    b.setPresent(v.present);
  });
}

std::optional<directory_change> decode_directory_change(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::DIRECTORY_CHANGE, [](s::ClusterMessage::Reader m) {
    const auto r = m.getDirectoryChange();
    directory_change v;
    v.kind = known(r.getKind(), directory_kind::user);  // unknown: rejected (a directory of something else)
    v.name = text(r.getName());
    v.present = r.getPresent();
    return v;
  });
}

std::string encode(const directory_snapshot& v) {
  return encode_message(approx(v.groups) + approx(v.users), [&](s::ClusterMessage::Builder m) {
    auto b = m.initDirectorySnapshot();
    set_texts(b.initGroups(static_cast<unsigned>(v.groups.size())), v.groups);
    set_texts(b.initUsers(static_cast<unsigned>(v.users.size())), v.users);
  });
}

std::optional<directory_snapshot> decode_directory_snapshot(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::DIRECTORY_SNAPSHOT, [](s::ClusterMessage::Reader m) {
    const auto r = m.getDirectorySnapshot();
    directory_snapshot v;
    v.groups = texts(r.getGroups());
    v.users = texts(r.getUsers());
    return v;
  });
}

std::string encode(const client_invocation& v) {
  return encode_message(approx(v.connection_id) + approx(v.target) + approx(v.arguments),
                        [&](s::ClusterMessage::Builder m) { write(m.initClientInvocation(), v); });
}

std::optional<client_invocation> decode_client_invocation(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::CLIENT_INVOCATION, [](s::ClusterMessage::Reader m) {
    return read(m.getClientInvocation());
  });
}

std::string encode(const client_result& v) {
  return encode_message(approx(v.result) + approx(v.error),
                        [&](s::ClusterMessage::Builder m) { write(m.initClientResult(), v); });
}

std::optional<client_result> decode_client_result(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::CLIENT_RESULT,
                        [](s::ClusterMessage::Reader m) { return read(m.getClientResult()); });
}

std::string encode(const presence_query& v) {
  return encode_message(approx(v.name), [&](s::ClusterMessage::Builder m) { write(m.initPresenceQuery(), v); });
}

std::optional<presence_query> decode_presence_query(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::PRESENCE_QUERY, [](s::ClusterMessage::Reader m) {
    return read(m.getPresenceQuery());
  });
}

std::string encode(const presence_answer& v) {
  return encode_message(approx(v.names), [&](s::ClusterMessage::Builder m) { write(m.initPresenceAnswer(), v); });
}

std::optional<presence_answer> decode_presence_answer(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::PRESENCE_ANSWER, [](s::ClusterMessage::Reader m) {
    return read(m.getPresenceAnswer());
  });
}

std::string encode(const credit& v) {
  return encode_message(0, [&](s::ClusterMessage::Builder m) { m.initCredit().setSequence(v.sequence); });
}

std::optional<credit> decode_credit(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::CREDIT, [](s::ClusterMessage::Reader m) {
    credit v;
    v.sequence = m.getCredit().getSequence();
    return v;
  });
}

std::string encode(const session_handoff& v) {
  const std::size_t size = approx(v.connection_id) + approx(v.token) + approx(v.user_id) + approx(v.protocol) +
                           approx(v.connection_info) + approx(v.groups) + approx(v.unacknowledged) +
                           4 * word_bytes;
  return encode_message(size, [&](s::ClusterMessage::Builder m) {
    auto b = m.initSessionHandoff();
    set_text(v.connection_id, [&](auto t) { b.setConnectionId(t); });
    set_text(v.token, [&](auto t) { b.setToken(t); });
    set_text(v.user_id, [&](auto t) { b.setUserId(t); });
    set_text(v.protocol, [&](auto t) { b.setProtocol(t); });
    b.setConnectionInfo(data(v.connection_info));
    set_texts(b.initGroups(static_cast<unsigned>(v.groups.size())), v.groups);
    b.setNextOutboundSequence(v.next_outbound_sequence);
    b.setLastInboundSequence(v.last_inbound_sequence);
    set_datas(b.initUnacknowledged(static_cast<unsigned>(v.unacknowledged.size())), v.unacknowledged);
  });
}

std::optional<session_handoff> decode_session_handoff(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::SESSION_HANDOFF, [](s::ClusterMessage::Reader m) {
    const auto r = m.getSessionHandoff();
    session_handoff v;
    v.connection_id = text(r.getConnectionId());
    v.token = text(r.getToken());
    v.user_id = text(r.getUserId());
    v.protocol = text(r.getProtocol());
    v.connection_info = bytes(r.getConnectionInfo());
    v.groups = texts(r.getGroups());
    v.next_outbound_sequence = r.getNextOutboundSequence();
    v.last_inbound_sequence = r.getLastInboundSequence();
    v.unacknowledged = datas(r.getUnacknowledged());
    return v;
  });
}

std::string encode(const session_moved& v) {
  const std::size_t size = approx(v.connection_id) + approx(v.token) + approx(v.to_tag) + approx(v.to_node);
  return encode_message(size, [&](s::ClusterMessage::Builder m) {
    auto b = m.initSessionMoved();
    set_text(v.connection_id, [&](auto t) { b.setConnectionId(t); });
    set_text(v.token, [&](auto t) { b.setToken(t); });
    set_text(v.to_tag, [&](auto t) { b.setToTag(t); });
    set_text(v.to_node, [&](auto t) { b.setToNode(t); });
  });
}

std::optional<session_moved> decode_session_moved(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::SESSION_MOVED, [](s::ClusterMessage::Reader m) {
    const auto r = m.getSessionMoved();
    session_moved v;
    v.connection_id = text(r.getConnectionId());
    v.token = text(r.getToken());
    v.to_tag = text(r.getToTag());
    v.to_node = text(r.getToNode());
    return v;
  });
}

std::string encode(const move_marker& v) {
  return encode_message(approx(v.connection_id) + approx(v.node), [&](s::ClusterMessage::Builder m) {
    auto b = m.initMoveMarker();
    set_text(v.connection_id, [&](auto t) { b.setConnectionId(t); });
    b.setStep(static_cast<s::MoveStep>(v.step));
    set_text(v.node, [&](auto t) { b.setNode(t); });
  });
}

std::optional<move_marker> decode_move_marker(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::MOVE_MARKER, [](s::ClusterMessage::Reader m) {
    const auto r = m.getMoveMarker();
    move_marker v;
    v.connection_id = text(r.getConnectionId());
    v.step = known(r.getStep(), move_step::flushed);
    v.node = text(r.getNode());
    return v;
  });
}

}  // namespace actorhub::wire
