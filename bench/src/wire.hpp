#pragma once
// What the bench says and hears on a WebSocket, per dialect. The bench is a load generator, not the product:
// it hand-encodes the few fixed message shapes it sends and only scans incoming frames for the fields it needs
// (message kind, invocation id, error flag, and the marker it put into its own payloads).
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace bench {

enum class wire {
  signalr_json,     // SignalR hub protocol "json": records end with 0x1E, text frames
  signalr_msgpack,  // SignalR hub protocol "messagepack": VarInt length + array, binary frames
  ws_json,          // bench/peers/ws-server.js: SignalR JSON shapes, one message per frame, no 0x1E
  socketio,         // bench/peers/socketio-server.js: engine.io v4 / socket.io v5 packets
};

const char* wire_name(wire w);
bool wire_is_binary(wire w);

// Payload marker the bench puts at the start of every payload it sends: "@<seq>.<send_ns>." + padding.
struct marker {
  bool present = false;
  uint64_t seq = 0;
  int64_t sent_ns = 0;
};
std::string make_payload(uint64_t seq, int64_t sent_ns, std::size_t size);
// Finds the first "@<digits>.<digits>." in bytes.
marker find_marker(std::string_view bytes);

struct incoming {
  enum kind_t { invocation, completion, ping, close, other } kind = other;
  uint64_t invocation_id = 0;
  bool has_id = false;
  bool error = false;
  marker mark;
};

// Appends one complete message (the WebSocket payload part) to out.
// id < 0: non-blocking invocation (no invocation id / no socket.io ack).
void encode_invocation(wire w, std::string& out, std::string_view target,
                       std::initializer_list<std::string_view> args, int64_t id);
void encode_ping(wire w, std::string& out);  // empty for socketio (the server pings there)

// Splits one received WebSocket message into records and calls fn(const incoming&) for each.
// Returns false on a frame the bench cannot make sense of.
template <class Fn>
bool for_each_record(wire w, std::string_view frame, Fn&& fn);

// Implementation details shared with the template.
bool parse_json_record(std::string_view rec, incoming& out);
bool parse_msgpack_record(std::string_view rec, incoming& out);
bool parse_socketio_packet(std::string_view pkt, incoming& out);  // kind other for engine.io control packets
bool read_varint(std::string_view& in, uint64_t& value);

template <class Fn>
bool for_each_record(wire w, std::string_view frame, Fn&& fn) {
  incoming in;
  switch (w) {
    case wire::signalr_json: {
      while (!frame.empty()) {
        auto end = frame.find('\x1e');
        if (end == std::string_view::npos) return false;
        in = incoming{};
        if (!parse_json_record(frame.substr(0, end), in)) return false;
        fn(in);
        frame.remove_prefix(end + 1);
      }
      return true;
    }
    case wire::ws_json:
      if (!parse_json_record(frame, in)) return false;
      fn(in);
      return true;
    case wire::signalr_msgpack: {
      while (!frame.empty()) {
        uint64_t len = 0;
        if (!read_varint(frame, len) || len > frame.size()) return false;
        in = incoming{};
        if (!parse_msgpack_record(frame.substr(0, len), in)) return false;
        fn(in);
        frame.remove_prefix(len);
      }
      return true;
    }
    case wire::socketio:
      if (!parse_socketio_packet(frame, in)) return false;
      fn(in);
      return true;
  }
  return false;
}

}  // namespace bench
