#include "wire.hpp"

#include <cstring>

namespace bench {

const char* wire_name(wire w) {
  switch (w) {
    case wire::signalr_json: return "signalr-json";
    case wire::signalr_msgpack: return "signalr-messagepack";
    case wire::ws_json: return "ws-json";
    case wire::socketio: return "socketio";
  }
  return "?";
}

bool wire_is_binary(wire w) { return w == wire::signalr_msgpack; }

std::string make_payload(uint64_t seq, int64_t sent_ns, std::size_t size) {
  std::string p = "@" + std::to_string(seq) + "." + std::to_string(sent_ns) + ".";
  if (p.size() < size) p.append(size - p.size(), 'x');
  return p;
}

static bool read_uint(std::string_view s, std::size_t& i, uint64_t& v) {
  std::size_t start = i;
  v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 20) v = v * 10 + uint64_t(s[i++] - '0');
  return i > start;
}

marker find_marker(std::string_view bytes) {
  marker m;
  std::size_t pos = 0;
  while ((pos = bytes.find('@', pos)) != std::string_view::npos) {
    std::size_t i = pos + 1;
    uint64_t seq = 0, t = 0;
    if (read_uint(bytes, i, seq) && i < bytes.size() && bytes[i] == '.' && read_uint(bytes, ++i, t) &&
        i < bytes.size() && bytes[i] == '.') {
      m.present = true;
      m.seq = seq;
      m.sent_ns = int64_t(t);
      return m;
    }
    ++pos;
  }
  return m;
}

// ---- encoding ----

static void append_json_args(std::string& out, std::initializer_list<std::string_view> args) {
  // The bench only sends its own ASCII payloads and group names: no escaping needed.
  out += '[';
  bool first = true;
  for (auto a : args) {
    if (!first) out += ',';
    first = false;
    out += '"';
    out.append(a.data(), a.size());
    out += '"';
  }
  out += ']';
}

static void msgpack_str(std::string& out, std::string_view s) {
  if (s.size() < 32) {
    out += char(0xa0 | s.size());
  } else if (s.size() < 256) {
    out += char(0xd9);
    out += char(s.size());
  } else {
    out += char(0xda);
    out += char(s.size() >> 8);
    out += char(s.size() & 0xff);
  }
  out.append(s.data(), s.size());
}

static void varint(std::string& out, std::size_t v) {
  do {
    unsigned char b = v & 0x7f;
    v >>= 7;
    if (v) b |= 0x80;
    out += char(b);
  } while (v);
}

void encode_invocation(wire w, std::string& out, std::string_view target,
                       std::initializer_list<std::string_view> args, int64_t id) {
  switch (w) {
    case wire::signalr_json:
    case wire::ws_json:
      out += "{\"type\":1,";
      if (id >= 0) {
        out += "\"invocationId\":\"";
        out += std::to_string(id);
        out += "\",";
      }
      out += "\"target\":\"";
      out.append(target.data(), target.size());
      out += "\",\"arguments\":";
      append_json_args(out, args);
      out += '}';
      if (w == wire::signalr_json) out += '\x1e';
      return;
    case wire::signalr_msgpack: {
      // [1, {}, id|nil, target, [args...], []]
      std::string body;
      body += char(0x96);
      body += char(0x01);
      body += char(0x80);
      if (id >= 0)
        msgpack_str(body, std::to_string(id));
      else
        body += char(0xc0);
      msgpack_str(body, target);
      body += char(0x90 | args.size());
      for (auto a : args) msgpack_str(body, a);
      body += char(0x90);
      varint(out, body.size());
      out += body;
      return;
    }
    case wire::socketio:
      out += "42";
      if (id >= 0) out += std::to_string(id);
      out += "[\"";
      out.append(target.data(), target.size());
      out += '"';
      for (auto a : args) {
        out += ",\"";
        out.append(a.data(), a.size());
        out += '"';
      }
      out += ']';
      return;
  }
}

void encode_ping(wire w, std::string& out) {
  switch (w) {
    case wire::signalr_json: out += "{\"type\":6}\x1e"; return;
    case wire::ws_json: out += "{\"type\":6}"; return;
    case wire::signalr_msgpack: out += "\x02\x91\x06"; return;
    case wire::socketio: return;
  }
}

// ---- scanning ----

static std::size_t skip_ws(std::string_view s, std::size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  return i;
}

// Position just after `"key":` (and whitespace), or npos.
static std::size_t json_value_of(std::string_view rec, std::string_view quoted_key) {
  auto p = rec.find(quoted_key);
  if (p == std::string_view::npos) return p;
  std::size_t i = skip_ws(rec, p + quoted_key.size());
  if (i >= rec.size() || rec[i] != ':') return std::string_view::npos;
  return skip_ws(rec, i + 1);
}

bool parse_json_record(std::string_view rec, incoming& out) {
  auto t = json_value_of(rec, "\"type\"");
  if (t == std::string_view::npos || t >= rec.size()) return rec.find('{') != std::string_view::npos;  // e.g. {}
  uint64_t type = 0;
  if (!read_uint(rec, t, type)) return false;
  switch (type) {
    case 1: out.kind = incoming::invocation; break;
    case 3: out.kind = incoming::completion; break;
    case 6: out.kind = incoming::ping; return true;
    case 7: out.kind = incoming::close; out.error = rec.find("\"error\"") != std::string_view::npos; return true;
    default: out.kind = incoming::other; return true;
  }
  auto id = json_value_of(rec, "\"invocationId\"");
  if (id != std::string_view::npos && id < rec.size() && rec[id] == '"') {
    ++id;
    out.has_id = read_uint(rec, id, out.invocation_id);
  }
  if (out.kind == incoming::completion) out.error = json_value_of(rec, "\"error\"") != std::string_view::npos;
  out.mark = find_marker(rec);
  return true;
}

bool read_varint(std::string_view& in, uint64_t& value) {
  value = 0;
  for (int i = 0; i < 5; ++i) {
    if (in.empty()) return false;
    auto b = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    value |= uint64_t(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) return true;
  }
  return false;
}

// Skips one MessagePack value (the subset a SignalR server sends in headers/ids/results).
static bool mp_skip(std::string_view& s, int depth = 0);

static bool mp_take(std::string_view& s, std::size_t n) {
  if (s.size() < n) return false;
  s.remove_prefix(n);
  return true;
}

static uint64_t be(std::string_view s, std::size_t n) {
  uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

static bool mp_skip(std::string_view& s, int depth) {
  if (s.empty() || depth > 16) return false;
  auto b = static_cast<unsigned char>(s[0]);
  s.remove_prefix(1);
  if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) return true;
  if ((b & 0xe0) == 0xa0) return mp_take(s, b & 0x1f);
  if ((b & 0xf0) == 0x90 || (b & 0xf0) == 0x80) {
    std::size_t n = (b & 0x0f) * ((b & 0xf0) == 0x80 ? 2 : 1);
    for (std::size_t i = 0; i < n; ++i)
      if (!mp_skip(s, depth + 1)) return false;
    return true;
  }
  switch (b) {
    case 0xcc: case 0xd0: return mp_take(s, 1);
    case 0xcd: case 0xd1: return mp_take(s, 2);
    case 0xce: case 0xd2: case 0xca: return mp_take(s, 4);
    case 0xcf: case 0xd3: case 0xcb: return mp_take(s, 8);
    case 0xd9: case 0xc4: { if (s.size() < 1) return false; auto n = be(s, 1); return mp_take(s, 1 + n); }
    case 0xda: case 0xc5: { if (s.size() < 2) return false; auto n = be(s, 2); return mp_take(s, 2 + n); }
    case 0xdb: case 0xc6: { if (s.size() < 4) return false; auto n = be(s, 4); return mp_take(s, 4 + n); }
    case 0xd4: return mp_take(s, 2);
    case 0xd5: return mp_take(s, 3);
    case 0xd6: return mp_take(s, 5);
    case 0xd7: return mp_take(s, 9);
    case 0xd8: return mp_take(s, 17);
    case 0xc7: { if (s.size() < 1) return false; auto n = be(s, 1); return mp_take(s, 2 + n); }
    case 0xc8: { if (s.size() < 2) return false; auto n = be(s, 2); return mp_take(s, 3 + n); }
    case 0xc9: { if (s.size() < 4) return false; auto n = be(s, 4); return mp_take(s, 5 + n); }
    case 0xdc: case 0xde: {
      if (s.size() < 2) return false;
      auto n = be(s, 2) * (b == 0xde ? 2 : 1);
      s.remove_prefix(2);
      for (uint64_t i = 0; i < n; ++i)
        if (!mp_skip(s, depth + 1)) return false;
      return true;
    }
    case 0xdd: case 0xdf: {
      if (s.size() < 4) return false;
      auto n = be(s, 4) * (b == 0xdf ? 2 : 1);
      s.remove_prefix(4);
      for (uint64_t i = 0; i < n; ++i)
        if (!mp_skip(s, depth + 1)) return false;
      return true;
    }
    default: return false;
  }
}

// Reads a MessagePack str (or nil) as a view.
static bool mp_str(std::string_view& s, std::string_view& out, bool& is_nil) {
  if (s.empty()) return false;
  auto b = static_cast<unsigned char>(s[0]);
  std::size_t hdr = 1, n = 0;
  is_nil = false;
  if (b == 0xc0) { s.remove_prefix(1); is_nil = true; return true; }
  if ((b & 0xe0) == 0xa0) n = b & 0x1f;
  else if (b == 0xd9 && s.size() >= 2) { n = be(s.substr(1), 1); hdr = 2; }
  else if (b == 0xda && s.size() >= 3) { n = be(s.substr(1), 2); hdr = 3; }
  else return false;
  if (s.size() < hdr + n) return false;
  out = s.substr(hdr, n);
  s.remove_prefix(hdr + n);
  return true;
}

bool parse_msgpack_record(std::string_view rec, incoming& out) {
  std::string_view s = rec;
  if (s.empty()) return false;
  auto b = static_cast<unsigned char>(s[0]);
  if ((b & 0xf0) != 0x90) return false;
  s.remove_prefix(1);
  if (s.empty()) return false;
  auto type = static_cast<unsigned char>(s[0]);
  s.remove_prefix(1);
  switch (type) {
    case 1: out.kind = incoming::invocation; break;
    case 3: out.kind = incoming::completion; break;
    case 6: out.kind = incoming::ping; return true;
    case 7: out.kind = incoming::close; out.error = !s.empty() && static_cast<unsigned char>(s[0]) != 0xc0; return true;
    default: out.kind = incoming::other; return true;
  }
  if (!mp_skip(s)) return false;  // headers
  std::string_view id;
  bool nil = false;
  if (!mp_str(s, id, nil)) return false;
  if (!nil) {
    std::size_t i = 0;
    out.has_id = read_uint(id, i, out.invocation_id);
  }
  if (out.kind == incoming::completion) {
    if (s.empty()) return false;
    out.error = static_cast<unsigned char>(s[0]) == 1;
  }
  out.mark = find_marker(s);
  return true;
}

bool parse_socketio_packet(std::string_view pkt, incoming& out) {
  if (pkt.empty()) return false;
  // engine.io: 0 open, 1 close, 2 ping, 3 pong, 4 message, 6 noop
  switch (pkt[0]) {
    case '1': out.kind = incoming::close; return true;
    case '2': out.kind = incoming::ping; return true;
    case '4': break;
    default: out.kind = incoming::other; return true;
  }
  if (pkt.size() < 2) return false;
  // socket.io: 0 connect, 1 disconnect, 2 event, 3 ack, 4 connect_error
  std::size_t i = 2;
  switch (pkt[1]) {
    case '2': out.kind = incoming::invocation; break;
    case '3': out.kind = incoming::completion; break;
    case '1': out.kind = incoming::close; return true;
    case '4': out.kind = incoming::close; out.error = true; return true;
    default: out.kind = incoming::other; return true;
  }
  out.has_id = read_uint(pkt, i, out.invocation_id);
  out.mark = find_marker(pkt.substr(i));
  return true;
}

}  // namespace bench
