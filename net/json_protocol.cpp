// The SignalR JSON hub protocol (net/json_protocol.hpp).
#include "net/json_protocol.hpp"

#include <cstring>

#include "net/json_value.hpp"

namespace actorhub {

namespace {

constexpr char record_separator = '\x1e';

// ---- writing ---------------------------------------------------------------------------------------------

struct json_message_writer {
  std::string& out;

  void type(int t) const {
    out += "{\"type\":";
    out.push_back(static_cast<char>('0' + t));
  }
  void field(const char* name) const {  // `name` is a literal without characters needing escapes
    out += ",\"";
    out += name;
    out += "\":";
  }
  void headers(const message_headers& h) const {
    if (h.empty()) return;
    field("headers");
    out.push_back('{');
    for (std::size_t i = 0; i < h.size(); ++i) {
      if (i) out.push_back(',');
      write_json_string(h[i].first, out);
      out.push_back(':');
      write_json_string(h[i].second, out);
    }
    out.push_back('}');
  }
  void stream_ids(const std::vector<std::string>& ids) const {
    if (ids.empty()) return;
    field("streamIds");
    out.push_back('[');
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (i) out.push_back(',');
      write_json_string(ids[i], out);
    }
    out.push_back(']');
  }
  void end() const {
    out.push_back('}');
    out.push_back(record_separator);
  }

  void operator()(const invocation_message& m) const {
    type(1);
    headers(m.headers);
    if (m.invocation_id) {
      field("invocationId");
      write_json_string(*m.invocation_id, out);
    }
    field("target");
    write_json_string(m.target, out);
    field("arguments");
    write_json(m.arguments, out);
    stream_ids(m.stream_ids);
    end();
  }
  void operator()(const stream_item_message& m) const {
    type(2);
    headers(m.headers);
    field("invocationId");
    write_json_string(m.invocation_id, out);
    field("item");
    write_json(m.item, out);
    end();
  }
  void operator()(const completion_message& m) const {
    type(3);
    headers(m.headers);
    field("invocationId");
    write_json_string(m.invocation_id, out);
    if (m.error) {  // an error wins over a result (both set is a caller bug; never send both)
      field("error");
      write_json_string(*m.error, out);
    } else if (m.result) {
      field("result");
      write_json(*m.result, out);
    }
    end();
  }
  void operator()(const stream_invocation_message& m) const {
    type(4);
    headers(m.headers);
    field("invocationId");
    write_json_string(m.invocation_id, out);
    field("target");
    write_json_string(m.target, out);
    field("arguments");
    write_json(m.arguments, out);
    stream_ids(m.stream_ids);
    end();
  }
  void operator()(const cancel_invocation_message& m) const {
    type(5);
    headers(m.headers);
    field("invocationId");
    write_json_string(m.invocation_id, out);
    end();
  }
  void operator()(const ping_message&) const {
    type(6);
    end();
  }
  void operator()(const close_message& m) const {
    type(7);
    if (m.error) {
      field("error");
      write_json_string(*m.error, out);
    }
    if (m.allow_reconnect) {
      field("allowReconnect");
      out += "true";
    }
    end();
  }
  void sequence(int t, std::int64_t id) const {
    type(t);
    field("sequenceId");
    write_json(value(id), out);
    end();
  }
  void operator()(const ack_message& m) const { sequence(8, m.sequence_id); }
  void operator()(const sequence_message& m) const { sequence(9, m.sequence_id); }
};

// ---- reading ---------------------------------------------------------------------------------------------

parse_status invalid(std::string error) { return {parse_status::invalid, std::move(error)}; }

parse_status missing(const char* name) {
  return invalid(std::string("Missing required property '") + name + "'.");
}

parse_status wrong_type(const char* name, const char* type) {
  return invalid(std::string("Expected '") + name + "' to be of type " + type + ".");
}

// The members of one decoded message object, looked up by name (first occurrence wins).
class fields {
 public:
  explicit fields(object& o) : o_(o) {}
  value* get(std::string_view name) const {
    for (auto& [k, v] : o_)
      if (k == name) return &v;
    return nullptr;
  }

 private:
  object& o_;
};

// Required string member.
parse_status read_string(const fields& f, const char* name, std::string& out) {
  value* v = f.get(name);
  if (!v) return missing(name);
  std::string* s = v->if_string();
  if (!s) return wrong_type(name, "String");
  out = std::move(*s);
  return {};
}

// Optional string member; null counts as absent.
parse_status read_optional_string(const fields& f, const char* name, std::optional<std::string>& out) {
  value* v = f.get(name);
  if (!v || v->is_null()) return {};
  std::string* s = v->if_string();
  if (!s) return wrong_type(name, "String");
  out = std::move(*s);
  return {};
}

parse_status read_arguments(const fields& f, array& out) {
  value* v = f.get("arguments");
  if (!v) return missing("arguments");
  array* a = v->if_array();
  if (!a) return wrong_type("arguments", "Array");
  out = std::move(*a);
  return {};
}

parse_status read_stream_ids(const fields& f, std::vector<std::string>& out) {
  value* v = f.get("streamIds");
  if (!v || v->is_null()) return {};
  array* a = v->if_array();
  if (!a) return wrong_type("streamIds", "Array");
  out.reserve(a->size());
  for (auto& id : *a) {
    std::string* s = id.if_string();
    if (!s) return invalid("Expected 'streamIds' to contain only strings.");
    out.push_back(std::move(*s));
  }
  return {};
}

parse_status read_headers(const fields& f, message_headers& out) {
  value* v = f.get("headers");
  if (!v || v->is_null()) return {};
  object* o = v->if_object();
  if (!o) return wrong_type("headers", "Object");
  out.reserve(o->size());
  for (auto& [k, hv] : *o) {
    std::string* s = hv.if_string();
    if (!s) return invalid("Expected header '" + k + "' to be of type String.");
    out.emplace_back(std::move(k), std::move(*s));
  }
  return {};
}

parse_status read_sequence_id(const fields& f, std::int64_t& out) {
  value* v = f.get("sequenceId");
  if (!v) return missing("sequenceId");
  auto i = v->is_integer() ? v->to_int64() : std::nullopt;
  if (!i) return wrong_type("sequenceId", "Integer");
  out = *i;
  return {};
}

#define ACTORHUB_TRY(expr)    \
  do {                        \
    parse_status s_ = (expr); \
    if (!s_) return s_;       \
  } while (false)

template <class M>
parse_status read_invocation(const fields& f, M& m) {
  ACTORHUB_TRY(read_headers(f, m.headers));
  ACTORHUB_TRY(read_string(f, "target", m.target));
  ACTORHUB_TRY(read_arguments(f, m.arguments));
  ACTORHUB_TRY(read_stream_ids(f, m.stream_ids));
  return {};
}

// Decodes one message object; unknown message types leave `out` untouched (forward compatibility).
parse_status to_message(object& root, std::vector<hub_message>& out) {
  fields f(root);
  value* tv = f.get("type");
  if (!tv) return missing("type");
  auto t = tv->is_integer() ? tv->to_int64() : std::nullopt;
  if (!t) return wrong_type("type", "Integer");

  switch (*t) {
    case 1: {
      invocation_message m;
      ACTORHUB_TRY(read_optional_string(f, "invocationId", m.invocation_id));
      ACTORHUB_TRY(read_invocation(f, m));
      out.emplace_back(std::move(m));
      return {};
    }
    case 2: {
      stream_item_message m;
      ACTORHUB_TRY(read_headers(f, m.headers));
      ACTORHUB_TRY(read_string(f, "invocationId", m.invocation_id));
      value* item = f.get("item");
      if (!item) return missing("item");
      m.item = std::move(*item);
      out.emplace_back(std::move(m));
      return {};
    }
    case 3: {
      completion_message m;
      ACTORHUB_TRY(read_headers(f, m.headers));
      ACTORHUB_TRY(read_string(f, "invocationId", m.invocation_id));
      ACTORHUB_TRY(read_optional_string(f, "error", m.error));
      value* result = f.get("result");
      if (result && m.error) return invalid("The 'error' and 'result' properties are mutually exclusive.");
      if (result) m.result = std::move(*result);
      out.emplace_back(std::move(m));
      return {};
    }
    case 4: {
      stream_invocation_message m;
      ACTORHUB_TRY(read_string(f, "invocationId", m.invocation_id));
      ACTORHUB_TRY(read_invocation(f, m));
      out.emplace_back(std::move(m));
      return {};
    }
    case 5: {
      cancel_invocation_message m;
      ACTORHUB_TRY(read_headers(f, m.headers));
      ACTORHUB_TRY(read_string(f, "invocationId", m.invocation_id));
      out.emplace_back(std::move(m));
      return {};
    }
    case 6:
      out.emplace_back(ping_message{});
      return {};
    case 7: {
      close_message m;
      ACTORHUB_TRY(read_optional_string(f, "error", m.error));
      if (value* ar = f.get("allowReconnect"); ar && !ar->is_null()) {
        const bool* b = ar->if_bool();
        if (!b) return wrong_type("allowReconnect", "Boolean");
        m.allow_reconnect = *b;
      }
      out.emplace_back(std::move(m));
      return {};
    }
    case 8: {
      ack_message m;
      ACTORHUB_TRY(read_sequence_id(f, m.sequence_id));
      out.emplace_back(m);
      return {};
    }
    case 9: {
      sequence_message m;
      ACTORHUB_TRY(read_sequence_id(f, m.sequence_id));
      out.emplace_back(m);
      return {};
    }
    default:
      return {};  // unknown type: skipped, as ASP.NET Core does
  }
}

#undef ACTORHUB_TRY

}  // namespace

void json_hub_protocol::write(const hub_message& m, std::string& out) const {
  std::visit(json_message_writer{out}, m);
}

parse_status json_hub_protocol::parse(std::string_view& in, std::vector<hub_message>& out,
                                      std::size_t max_message_size) const {
  std::string error;
  while (!in.empty()) {
    auto* sep = static_cast<const char*>(std::memchr(in.data(), record_separator, in.size()));
    if (!sep) {
      if (in.size() > max_message_size) return parse_status::message_too_large(max_message_size);
      return {};  // incomplete record: stays in `in`
    }
    auto len = static_cast<std::size_t>(sep - in.data());
    if (len > max_message_size) return parse_status::message_too_large(max_message_size);

    value root;
    if (!parse_json(in.substr(0, len), root, error)) return invalid("Invalid JSON message: " + error + ".");
    object* o = root.if_object();
    if (!o) return invalid("A hub message must be a JSON object.");
    if (auto s = to_message(*o, out); !s) return s;
    in.remove_prefix(len + 1);
  }
  return {};
}

}  // namespace actorhub
