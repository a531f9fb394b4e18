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
//     one exception: an unknown client_result status reads as result_status::error (see read_client_result), so
//     the waiting caller fails at once instead of timing out;
//   - every Text field must be well-formed UTF-8.
// Any violation, and any kj::Exception or std::exception (bad_alloc included) yields nullopt.
//
// Encoding writes Text fields that are not well-formed UTF-8 with each offending byte replaced by U+FFFD, so a
// message this side writes is always one the other side accepts (callers should not pass such strings; the
// replacement keeps a stray byte in an error text from losing the whole message).
#include "schema/cluster_wire.hpp"

#include <capnp/any.h>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/array.h>
#include <kj/exception.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <utility>

#include "cluster.capnp.h"

namespace actorhub::wire {
namespace {

namespace s = schema;
using Which = s::ClusterMessage::Which;

constexpr std::size_t word_bytes = sizeof(capnp::word);
static_assert(max_message_bytes % word_bytes == 0);
constexpr int nesting_limit = 16;

// The C++ enums and the schema enums have the same numeric values: encoding casts, decoding checks the range.
static_assert(static_cast<int>(s::TargetKind::ALL) == static_cast<int>(target_kind::all));
static_assert(static_cast<int>(s::TargetKind::CONNECTIONS) == static_cast<int>(target_kind::connections));
static_assert(static_cast<int>(s::TargetKind::USERS) == static_cast<int>(target_kind::users));
static_assert(static_cast<int>(s::TargetKind::GROUPS) == static_cast<int>(target_kind::groups));
static_assert(static_cast<int>(s::DirectoryKind::GROUP) == static_cast<int>(directory_kind::group));
static_assert(static_cast<int>(s::DirectoryKind::USER) == static_cast<int>(directory_kind::user));
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
static_assert(static_cast<int>(s::MoveStep::IMPORTED) == static_cast<int>(move_step::imported));
static_assert(static_cast<int>(s::MoveStep::REFUSED) == static_cast<int>(move_step::refused));
static_assert(static_cast<int>(s::MoveStep::SWITCHED) == static_cast<int>(move_step::switched));
static_assert(static_cast<int>(s::MoveStep::FLUSHED) == static_cast<int>(move_step::flushed));

// -- UTF-8 ----------------------------------------------------------------------------------------------------

// Length of the well-formed UTF-8 sequence that starts at p (Unicode 15, table 3-7: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 if none does.
std::size_t utf8_sequence(const unsigned char* p, std::size_t n) {
  const unsigned char c = p[0];
  auto cont = [&](std::size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < n && p[i] >= lo && p[i] <= hi;
  };
  if (c < 0x80) return 1;
  if (c < 0xC2) return 0;
  if (c < 0xE0) return cont(1) ? 2 : 0;
  if (c < 0xF0) return cont(1, c == 0xE0 ? 0xA0 : 0x80, c == 0xED ? 0x9F : 0xBF) && cont(2) ? 3 : 0;
  if (c < 0xF5) return cont(1, c == 0xF0 ? 0x90 : 0x80, c == 0xF4 ? 0x8F : 0xBF) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

// Where the first byte that starts no well-formed sequence is, or n.
std::size_t utf8_valid_prefix(const char* text, std::size_t n) {
  const auto* p = reinterpret_cast<const unsigned char*>(text);
  std::size_t i = 0;
  while (i < n) {
    // ASCII eight bytes at a time (names and ids are mostly ASCII).
    while (n - i >= 8) {
      std::uint64_t chunk;
      std::memcpy(&chunk, p + i, 8);
      if (chunk & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i == n) break;
    const std::size_t len = utf8_sequence(p + i, n - i);
    if (len == 0) return i;
    i += len;
  }
  return n;
}

bool valid_utf8(const char* text, std::size_t n) { return utf8_valid_prefix(text, n) == n; }

// `text` with every byte that starts no well-formed sequence replaced by U+FFFD.
std::string replace_invalid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = utf8_sequence(p + i, text.size() - i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.data() + i, len);
      i += len;
    }
  }
  return out;
}

// -- encoding -------------------------------------------------------------------------------------------------

// Text fields: written as they are when well-formed (the common case, no copy), else with replacements.
template <class Set>
void set_text(const std::string& value, Set&& set) {
  if (valid_utf8(value.data(), value.size())) {
    set(capnp::Text::Reader(value.data(), value.size()));
  } else {
    const std::string fixed = replace_invalid_utf8(value);
    set(capnp::Text::Reader(fixed.data(), fixed.size()));
  }
}

capnp::Data::Reader data(const std::string& value) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(value.data()), value.size());
}

void set_texts(capnp::List<capnp::Text>::Builder list, const std::vector<std::string>& values) {
  for (unsigned i = 0; i < values.size(); ++i) set_text(values[i], [&](capnp::Text::Reader t) { list.set(i, t); });
}

void set_datas(capnp::List<capnp::Data>::Builder list, const std::vector<std::string>& values) {
  for (unsigned i = 0; i < values.size(); ++i) list.set(i, data(values[i]));
}

// A rough upper bound of the encoded size, so that the first segment usually holds the whole message (one
// allocation, no multi-segment message).
std::size_t approx(const std::string& s) { return s.size() + 2 * word_bytes; }
std::size_t approx(const std::vector<std::string>& v) {
  std::size_t n = word_bytes;
  for (const auto& s : v) n += approx(s);
  return n;
}
std::size_t approx(const node_info& v) {
  return 6 * word_bytes + approx(v.name) + approx(v.tag) + approx(v.node_address) + approx(v.http_address);
}

// Builds one ClusterMessage; `fill` sets the union member.
template <class Fill>
std::string encode_message(std::size_t approx_bytes, Fill&& fill) {
  constexpr std::size_t max_first_segment_words = max_message_bytes / word_bytes + 1024;
  const std::size_t words = approx_bytes / word_bytes + 16;
  capnp::MallocMessageBuilder builder(static_cast<capnp::uint>(std::min(words, max_first_segment_words)));
  fill(builder.initRoot<s::ClusterMessage>());
  const kj::Array<capnp::word> flat = capnp::messageToFlatArray(builder);
  const kj::ArrayPtr<const kj::byte> bytes = flat.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

void write(s::NodeInfo::Builder b, const node_info& v) {
  set_text(v.name, [&](auto t) { b.setName(t); });
  b.setIncarnation(v.incarnation);
  set_text(v.tag, [&](auto t) { b.setTag(t); });
  set_text(v.node_address, [&](auto t) { b.setNodeAddress(t); });
  set_text(v.http_address, [&](auto t) { b.setHttpAddress(t); });
}

void write(s::Payload::Builder b, const payload& v) {
  set_text(v.protocol, [&](auto t) { b.setProtocol(t); });
  b.setBytes(data(v.bytes));
}

// -- decoding -------------------------------------------------------------------------------------------------

// Thrown inside a decode for what Cap'n Proto itself accepts but this codec does not; never leaves this file.
struct rejected {};

std::string text(capnp::Text::Reader t) {
  if (!valid_utf8(t.begin(), t.size())) throw rejected{};
  return std::string(t.begin(), t.size());
}

std::string bytes(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

std::vector<std::string> texts(capnp::List<capnp::Text>::Reader list) {
  std::vector<std::string> out;
  out.reserve(list.size());  // a list of pointers: its size is bounded by the message
  for (auto t : list) out.push_back(text(t));
  return out;
}

std::vector<std::string> datas(capnp::List<capnp::Data>::Reader list) {
  std::vector<std::string> out;
  out.reserve(list.size());
  for (auto d : list) out.push_back(bytes(d));
  return out;
}

// Lists of structs: Cap'n Proto accepts a list of zero-sized elements of any length (it only charges the
// traversal limit one word per element), which would decode into that many default values. No writer of this
// schema produces zero-sized structs, so such a list is rejected.
template <class T, class Read, class Reader>
std::vector<T> structs(Reader list, Read&& read) {
  std::vector<T> out;
  if (list.size() == 0) return out;
  const capnp::AnyStruct::Reader first(list[0]);
  if (first.getDataSection().size() == 0 && first.getPointerSection().size() == 0) throw rejected{};
  out.reserve(list.size());
  for (auto e : list) out.push_back(read(e));
  return out;
}

// An enum value this version knows (its enumerants are 0..last), else rejected.
template <class Cpp, class Wire>
Cpp known(Wire value, Cpp last) {
  const auto raw = static_cast<std::uint16_t>(value);
  if (raw > static_cast<std::uint16_t>(last)) throw rejected{};
  return static_cast<Cpp>(raw);
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

payload read(s::Payload::Reader r) {
  payload v;
  v.protocol = text(r.getProtocol());
  v.bytes = bytes(r.getBytes());
  return v;
}

// The checks shared by every decode_*(): size, framing, reader limits, message type; `read` converts the union
// member. Exceptions end here.
template <class Read>
auto decode_message(std::string_view input, Which expected, Read&& read) noexcept
    -> std::optional<decltype(read(std::declval<s::ClusterMessage::Reader>()))> {
  if (input.empty() || input.size() > max_message_bytes || input.size() % word_bytes != 0) return std::nullopt;
  try {
    // Cap'n Proto reads words: copy into aligned memory (the string's bytes may be anywhere).
    const std::size_t words = input.size() / word_bytes;
    kj::Array<capnp::word> aligned = kj::heapArray<capnp::word>(words);
    std::memcpy(aligned.begin(), input.data(), input.size());
    capnp::ReaderOptions options;
    options.traversalLimitInWords = 2 * words;
    options.nestingLimit = nesting_limit;
    capnp::FlatArrayMessageReader reader(aligned.asPtr(), options);
    if (reader.getEnd() != aligned.end()) return std::nullopt;  // trailing bytes: not exactly one message
    const auto root = reader.getRoot<s::ClusterMessage>();
    if (root.which() != expected) return std::nullopt;
    return read(root);
  } catch (const rejected&) {
  } catch (const kj::Exception&) {
  } catch (const std::exception&) {
  }
  return std::nullopt;
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
  std::size_t size = approx(v.names) + approx(v.excluded) + 4 * word_bytes;
  for (const auto& p : v.payloads) size += approx(p.protocol) + approx(p.bytes) + 2 * word_bytes;
  return encode_message(size, [&](s::ClusterMessage::Builder m) {
    auto b = m.initDelivery();
    b.setKind(static_cast<s::TargetKind>(v.kind));
    set_texts(b.initNames(static_cast<unsigned>(v.names.size())), v.names);
    set_texts(b.initExcluded(static_cast<unsigned>(v.excluded.size())), v.excluded);
    auto payloads = b.initPayloads(static_cast<unsigned>(v.payloads.size()));
    for (unsigned i = 0; i < v.payloads.size(); ++i) write(payloads[i], v.payloads[i]);
    b.setSentAtNs(v.sent_at_ns);
    b.setSequence(v.sequence);
  });
}

std::optional<delivery> decode_delivery(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::DELIVERY, [](s::ClusterMessage::Reader m) {
    const auto r = m.getDelivery();
    delivery v;
    // Unknown kind: rejected (guessing could turn a targeted send into a broadcast).
    v.kind = known(r.getKind(), target_kind::groups);
    v.names = texts(r.getNames());
    v.excluded = texts(r.getExcluded());
    v.payloads = structs<payload>(r.getPayloads(), [](s::Payload::Reader p) { return read(p); });
    v.sent_at_ns = r.getSentAtNs();
    v.sequence = r.getSequence();
    return v;
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
                        [&](s::ClusterMessage::Builder m) {
                          auto b = m.initClientInvocation();
                          set_text(v.connection_id, [&](auto t) { b.setConnectionId(t); });
                          set_text(v.target, [&](auto t) { b.setTarget(t); });
                          b.setArguments(data(v.arguments));
                          b.setTimeoutMs(v.timeout_ms);
                        });
}

std::optional<client_invocation> decode_client_invocation(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::CLIENT_INVOCATION, [](s::ClusterMessage::Reader m) {
    const auto r = m.getClientInvocation();
    client_invocation v;
    v.connection_id = text(r.getConnectionId());
    v.target = text(r.getTarget());
    v.arguments = bytes(r.getArguments());
    v.timeout_ms = r.getTimeoutMs();
    return v;
  });
}

std::string encode(const client_result& v) {
  return encode_message(approx(v.result) + approx(v.error), [&](s::ClusterMessage::Builder m) {
    auto b = m.initClientResult();
    b.setStatus(static_cast<s::ResultStatus>(v.status));
    b.setResult(data(v.result));
    set_text(v.error, [&](auto t) { b.setError(t); });
  });
}

std::optional<client_result> decode_client_result(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::CLIENT_RESULT, [](s::ClusterMessage::Reader m) {
    const auto r = m.getClientResult();
    client_result v;
    v.result = bytes(r.getResult());
    v.error = text(r.getError());
    const auto status = static_cast<std::uint16_t>(r.getStatus());
    if (status <= static_cast<std::uint16_t>(result_status::disconnected)) {
      v.status = static_cast<result_status>(status);
    } else {
      // A status a newer peer knows and this node does not: the call failed in some new way. Reading it as
      // an error fails the waiting caller now (dropping the message would leave it waiting for the timeout).
      v.status = result_status::error;
      v.result.clear();
      if (v.error.empty()) v.error = "client result with unknown status " + std::to_string(status);
    }
    return v;
  });
}

std::string encode(const presence_query& v) {
  return encode_message(approx(v.name), [&](s::ClusterMessage::Builder m) {
    auto b = m.initPresenceQuery();
    b.setKind(static_cast<s::PresenceKind>(v.kind));
    set_text(v.name, [&](auto t) { b.setName(t); });
  });
}

std::optional<presence_query> decode_presence_query(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::PRESENCE_QUERY, [](s::ClusterMessage::Reader m) {
    const auto r = m.getPresenceQuery();
    presence_query v;
    v.kind = known(r.getKind(), presence_kind::user_online);  // unknown: rejected (no answer fits)
    v.name = text(r.getName());
    return v;
  });
}

std::string encode(const presence_answer& v) {
  return encode_message(approx(v.names), [&](s::ClusterMessage::Builder m) {
    auto b = m.initPresenceAnswer();
    set_texts(b.initNames(static_cast<unsigned>(v.names.size())), v.names);
    b.setCount(v.count);
    b.setFound(v.found);
  });
}

std::optional<presence_answer> decode_presence_answer(std::string_view bytes_in) {
  return decode_message(bytes_in, s::ClusterMessage::PRESENCE_ANSWER, [](s::ClusterMessage::Reader m) {
    const auto r = m.getPresenceAnswer();
    presence_answer v;
    v.names = texts(r.getNames());
    v.count = r.getCount();
    v.found = r.getFound();
    return v;
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
