// The SignalR MessagePack hub protocol (net/msgpack_protocol.hpp).
#include "net/msgpack_protocol.hpp"

#include <msgpack.hpp>

#include "net/msgpack_buffer.hpp"
#include "net/msgpack_value.hpp"

namespace actorhub {

namespace {

// ---- writing ---------------------------------------------------------------------------------------------

struct msgpack_message_writer {
  msgpack::packer<append_buffer>& pk;
  std::string& out;

  void str(const std::string& s) const {
    pk.pack_str(static_cast<std::uint32_t>(s.size()));
    pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
  }
  void headers(const message_headers& h) const {
    pk.pack_map(static_cast<std::uint32_t>(h.size()));
    for (const auto& [k, v] : h) {
      str(k);
      str(v);
    }
  }
  void args(const array& a) const {
    pk.pack_array(static_cast<std::uint32_t>(a.size()));
    for (const auto& v : a) write_msgpack(v, out);
  }
  void stream_ids(const std::vector<std::string>& ids) const {
    pk.pack_array(static_cast<std::uint32_t>(ids.size()));
    for (const auto& id : ids) str(id);
  }

  void operator()(const invocation_message& m) const {
    pk.pack_array(6);
    pk.pack_int(1);
    headers(m.headers);
    if (m.invocation_id)
      str(*m.invocation_id);
    else
      pk.pack_nil();
    str(m.target);
    args(m.arguments);
    stream_ids(m.stream_ids);
  }
  void operator()(const stream_item_message& m) const {
    pk.pack_array(4);
    pk.pack_int(2);
    headers(m.headers);
    str(m.invocation_id);
    write_msgpack(m.item, out);
  }
  void operator()(const completion_message& m) const {
    const bool has_value = m.error || m.result;
    pk.pack_array(has_value ? 5 : 4);
    pk.pack_int(3);
    headers(m.headers);
    str(m.invocation_id);
    if (m.error) {  // an error wins over a result (both set is a caller bug; never send both)
      pk.pack_int(1);
      str(*m.error);
    } else if (m.result) {
      pk.pack_int(3);
      write_msgpack(*m.result, out);
    } else {
      pk.pack_int(2);
    }
  }
  void operator()(const stream_invocation_message& m) const {
    pk.pack_array(6);
    pk.pack_int(4);
    headers(m.headers);
    str(m.invocation_id);
    str(m.target);
    args(m.arguments);
    stream_ids(m.stream_ids);
  }
  void operator()(const cancel_invocation_message& m) const {
    pk.pack_array(3);
    pk.pack_int(5);
    headers(m.headers);
    str(m.invocation_id);
  }
  void operator()(const ping_message&) const {  // always exactly 0x91 0x06 (no headers)
    pk.pack_array(1);
    pk.pack_int(6);
  }
  void operator()(const close_message& m) const {  // ASP.NET Core always writes all three items
    pk.pack_array(3);
    pk.pack_int(7);
    if (m.error)
      str(*m.error);
    else
      pk.pack_nil();
    m.allow_reconnect ? pk.pack_true() : pk.pack_false();
  }
  void operator()(const ack_message& m) const {
    pk.pack_array(2);
    pk.pack_int(8);
    pk.pack_int64(m.sequence_id);
  }
  void operator()(const sequence_message& m) const {
    pk.pack_array(2);
    pk.pack_int(9);
    pk.pack_int64(m.sequence_id);
  }
};

// VarInt (7 bits per byte, least significant first) of a record length; at most 5 bytes.
std::size_t encode_varint(std::size_t n, char* buf) {
  std::size_t i = 0;
  do {
    auto b = static_cast<unsigned char>(n & 0x7f);
    n >>= 7;
    if (n) b |= 0x80;
    buf[i++] = static_cast<char>(b);
  } while (n);
  return i;
}

// ---- reading ---------------------------------------------------------------------------------------------

parse_status invalid(std::string error) { return {parse_status::invalid, std::move(error)}; }

const char* message_name(std::int64_t type) {
  switch (type) {
    case 1: return "Invocation";
    case 2: return "StreamItem";
    case 3: return "Completion";
    case 4: return "StreamInvocation";
    case 5: return "CancelInvocation";
    case 6: return "Ping";
    case 7: return "Close";
    case 8: return "Ack";
    case 9: return "Sequence";
  }
  return "message";
}

// The items of one message array, with typed accessors that name the offending field.
class items {
 public:
  items(array& a, std::int64_t type) : a_(a), type_(type) {}

  parse_status need(std::size_t n) const {
    if (a_.size() >= n) return {};
    return invalid(std::string("Invalid ") + message_name(type_) + " message: expected at least " +
                   std::to_string(n) + " items, got " + std::to_string(a_.size()) + ".");
  }
  std::size_t size() const { return a_.size(); }
  value& at(std::size_t i) const { return a_[i]; }

  parse_status string(std::size_t i, const char* name, std::string& out) const {
    std::string* s = a_[i].if_string();
    if (!s) return wrong(name, "a string");
    out = std::move(*s);
    return {};
  }
  // nil (or, as ASP.NET Core treats it, an empty string) is absent.
  parse_status optional_string(std::size_t i, const char* name, std::optional<std::string>& out) const {
    if (a_[i].is_null()) return {};
    std::string* s = a_[i].if_string();
    if (!s) return wrong(name, "a string or nil");
    if (!s->empty()) out = std::move(*s);
    return {};
  }
  parse_status integer(std::size_t i, const char* name, std::int64_t& out) const {
    auto v = a_[i].is_integer() ? a_[i].to_int64() : std::nullopt;
    if (!v) return wrong(name, "an integer");
    out = *v;
    return {};
  }
  parse_status headers(std::size_t i, message_headers& out) const {
    if (a_[i].is_null()) return {};
    object* o = a_[i].if_object();
    if (!o) return wrong("Headers", "a map");
    out.reserve(o->size());
    for (auto& [k, v] : *o) {
      std::string* s = v.if_string();
      if (!s) return invalid("Invalid " + std::string(message_name(type_)) + " message: header '" + k +
                             "' is not a string.");
      out.emplace_back(std::move(k), std::move(*s));
    }
    return {};
  }
  parse_status arguments(std::size_t i, array& out) const {
    array* a = a_[i].if_array();
    if (!a) return wrong("Arguments", "an array");
    out = std::move(*a);
    return {};
  }
  parse_status stream_ids(std::size_t i, std::vector<std::string>& out) const {
    if (a_[i].is_null()) return {};
    array* a = a_[i].if_array();
    if (!a) return wrong("StreamIds", "an array");
    out.reserve(a->size());
    for (auto& id : *a) {
      std::string* s = id.if_string();
      if (!s) return wrong("StreamIds", "an array of strings");
      out.push_back(std::move(*s));
    }
    return {};
  }

 private:
  parse_status wrong(const char* name, const char* what) const {
    return invalid(std::string("Invalid ") + message_name(type_) + " message: " + name + " must be " + what + ".");
  }
  array& a_;
  std::int64_t type_;
};

#define ACTORHUB_TRY(expr)    \
  do {                        \
    parse_status s_ = (expr); \
    if (!s_) return s_;       \
  } while (false)

// Decodes one message array; unknown message types leave `out` untouched (forward compatibility).
parse_status to_message(array& a, std::vector<hub_message>& out) {
  if (a.empty()) return invalid("A hub message must be a non-empty array.");
  auto type = a[0].is_integer() ? a[0].to_int64() : std::nullopt;
  if (!type) return invalid("The message type must be an integer.");
  items it(a, *type);

  switch (*type) {
    case 1: {  // [1, Headers, InvocationId|nil, Target, [Arguments], [StreamIds]?]
      invocation_message m;
      ACTORHUB_TRY(it.need(5));
      ACTORHUB_TRY(it.headers(1, m.headers));
      ACTORHUB_TRY(it.optional_string(2, "InvocationId", m.invocation_id));
      ACTORHUB_TRY(it.string(3, "Target", m.target));
      ACTORHUB_TRY(it.arguments(4, m.arguments));
      if (it.size() > 5) ACTORHUB_TRY(it.stream_ids(5, m.stream_ids));
      out.emplace_back(std::move(m));
      return {};
    }
    case 2: {  // [2, Headers, InvocationId, Item]
      stream_item_message m;
      ACTORHUB_TRY(it.need(4));
      ACTORHUB_TRY(it.headers(1, m.headers));
      ACTORHUB_TRY(it.string(2, "InvocationId", m.invocation_id));
      m.item = std::move(it.at(3));
      out.emplace_back(std::move(m));
      return {};
    }
    case 3: {  // [3, Headers, InvocationId, ResultKind, Result?]
      completion_message m;
      ACTORHUB_TRY(it.need(4));
      ACTORHUB_TRY(it.headers(1, m.headers));
      ACTORHUB_TRY(it.string(2, "InvocationId", m.invocation_id));
      std::int64_t kind = 0;
      ACTORHUB_TRY(it.integer(3, "ResultKind", kind));
      if (kind == 1) {
        ACTORHUB_TRY(it.need(5));
        std::string error;
        ACTORHUB_TRY(it.string(4, "Error", error));
        m.error = std::move(error);
      } else if (kind == 3) {
        ACTORHUB_TRY(it.need(5));
        m.result = std::move(it.at(4));
      } else if (kind != 2) {
        return invalid("Invalid Completion message: unknown ResultKind " + std::to_string(kind) + ".");
      }
      out.emplace_back(std::move(m));
      return {};
    }
    case 4: {  // [4, Headers, InvocationId, Target, [Arguments], [StreamIds]?]
      stream_invocation_message m;
      ACTORHUB_TRY(it.need(5));
      ACTORHUB_TRY(it.headers(1, m.headers));
      ACTORHUB_TRY(it.string(2, "InvocationId", m.invocation_id));
      ACTORHUB_TRY(it.string(3, "Target", m.target));
      ACTORHUB_TRY(it.arguments(4, m.arguments));
      if (it.size() > 5) ACTORHUB_TRY(it.stream_ids(5, m.stream_ids));
      out.emplace_back(std::move(m));
      return {};
    }
    case 5: {  // [5, Headers, InvocationId]
      cancel_invocation_message m;
      ACTORHUB_TRY(it.need(3));
      ACTORHUB_TRY(it.headers(1, m.headers));
      ACTORHUB_TRY(it.string(2, "InvocationId", m.invocation_id));
      out.emplace_back(std::move(m));
      return {};
    }
    case 6:  // [6]
      out.emplace_back(ping_message{});
      return {};
    case 7: {  // [7, Error|nil, AllowReconnect?]
      close_message m;
      ACTORHUB_TRY(it.need(2));
      if (!it.at(1).is_null()) {
        std::string error;
        ACTORHUB_TRY(it.string(1, "Error", error));
        m.error = std::move(error);
      }
      if (it.size() > 2 && !it.at(2).is_null()) {
        const bool* b = it.at(2).if_bool();
        if (!b) return invalid("Invalid Close message: AllowReconnect must be a boolean.");
        m.allow_reconnect = *b;
      }
      out.emplace_back(std::move(m));
      return {};
    }
    case 8: {  // [8, SequenceId]
      ack_message m;
      ACTORHUB_TRY(it.need(2));
      ACTORHUB_TRY(it.integer(1, "SequenceId", m.sequence_id));
      out.emplace_back(m);
      return {};
    }
    case 9: {  // [9, SequenceId]
      sequence_message m;
      ACTORHUB_TRY(it.need(2));
      ACTORHUB_TRY(it.integer(1, "SequenceId", m.sequence_id));
      out.emplace_back(m);
      return {};
    }
    default:
      return {};  // unknown type: skipped, as ASP.NET Core does
  }
}

#undef ACTORHUB_TRY

}  // namespace

void messagepack_hub_protocol::write(const hub_message& m, std::string& out) const {
  // Pack the body after the current end, then put its VarInt length in front of it.
  const std::size_t start = out.size();
  append_buffer buf{&out};
  msgpack::packer<append_buffer> pk(buf);
  std::visit(msgpack_message_writer{pk, out}, m);
  char prefix[5];
  std::size_t n = encode_varint(out.size() - start, prefix);
  out.insert(start, prefix, n);
}

parse_status messagepack_hub_protocol::parse(std::string_view& in, std::vector<hub_message>& out,
                                             std::size_t max_message_size) const {
  std::string error;
  while (!in.empty()) {
    // VarInt length prefix: 1-5 bytes, at most 0x7fffffff (the fifth byte carries 3 bits).
    std::size_t length = 0, prefix = 0;
    for (;;) {
      if (prefix == in.size()) {
        return {};  // incomplete prefix: wait for more bytes
      }
      auto b = static_cast<unsigned char>(in[prefix]);
      if (prefix == 4 && b > 0x07) return invalid("Messages over 2GB in size are not supported.");
      length |= static_cast<std::size_t>(b & 0x7f) << (7 * prefix);
      ++prefix;
      if (!(b & 0x80)) break;
    }
    if (length > max_message_size) return parse_status::message_too_large(max_message_size);
    if (in.size() - prefix < length) return {};  // incomplete body: stays in `in`
    if (length == 0) return invalid("An empty MessagePack record is not a message.");

    value root;
    if (!parse_msgpack(in.substr(prefix, length), root, error))
      return invalid("Invalid MessagePack message: " + error + ".");
    array* a = root.if_array();
    if (!a) return invalid("A hub message must be a MessagePack array.");
    if (auto s = to_message(*a, out); !s) return s;
    in.remove_prefix(prefix + length);
  }
  return {};
}

}  // namespace actorhub
