// Server-side WebSocket (RFC 6455) framing without sockets: a reader of client frames and encoders of server
// frames. It lets a connection drop Beast's websocket::stream (about 7 KB per idle connection) after the opening
// handshake: an idle reader holds about 100 bytes and no heap memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "net/transport/utf8_validator.hpp"

namespace actorhub::transport::ws {

enum class opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

// Why the reader gave up; `code` is the Close code to send back: 1002 protocol error, 1007 invalid UTF-8,
// 1009 message too big. `reason` is a short human text that fits a Close frame.
struct failure {
  std::uint16_t code;
  std::string reason;
};

struct event {
  enum class kind : std::uint8_t { message, ping, pong, close } what;
  bool binary = false;           // message: opcode was binary
  std::string_view payload;      // message/ping/pong payload, close: the reason text; valid only during the sink call
  std::uint16_t close_code = 0;  // close: 0 when the close frame had no payload (=> 1005 semantics)
};

// Incremental reader of client frames. Between calls it holds only an incomplete frame header, the received part
// of a frame that straddles calls, and a fragmented message in progress. A complete unfragmented message lying
// inside `data` is unmasked in place and handed out as a view into `data` (no copy, no allocation).
//
// Every byte is hostile: a frame announcing a message above max_message_bytes fails at its header, before any of
// its payload is buffered, and held memory grows only with bytes actually received.
class reader {
 public:
  explicit reader(std::size_t max_message_bytes) noexcept : max_(max_message_bytes) {}

  // Consumes data[0..n) (it is modified: payloads are unmasked in place). For each complete event calls
  // sink(const event&), which returns bool (or void, meaning true). When the sink returns false parsing stops and
  // the rest of `data` is discarded; the reader is left just after that event's frame. After a close event parsing
  // stops too and every later feed ignores its input (RFC 6455 5.5.1: nothing may follow a Close).
  // Returns std::nullopt, or the failure the input caused; after a failure every later call returns the same
  // failure without calling the sink, and the reader holds no memory.
  template <class Sink>
  std::optional<failure> feed(char* data, std::size_t n, Sink&& sink) {
    using S = std::remove_reference_t<Sink>;
    auto thunk = [](void* s, const event& e) -> bool {
      if constexpr (std::is_void_v<decltype((*static_cast<S*>(s))(e))>) {
        (*static_cast<S*>(s))(e);
        return true;
      } else {
        return static_cast<bool>((*static_cast<S*>(s))(e));
      }
    };
    if (!parse(data, n, thunk, const_cast<void*>(static_cast<const void*>(std::addressof(sink))))) return error();
    return std::nullopt;
  }

  // True when nothing is held between calls (no partial frame, no partial fragmented message).
  bool idle() const noexcept { return hdr_len_ == 0 && !in_payload_ && msg_op_ == 0; }
  // Releases held capacity when idle (call after a burst; keeps idle connections small).
  void shrink() noexcept {
    if (idle()) std::string().swap(buf_);
  }
  // Heap bytes reserved for held data (0 when none: small contents live inside the reader).
  std::size_t capacity() const noexcept {
    const std::size_t c = buf_.capacity();
    return c > std::string().capacity() ? c : 0;
  }
  // A Close frame was received: the peer sends nothing more.
  bool closed() const noexcept { return closed_; }
  // The failure so far, if any.
  std::optional<failure> error() const;

 private:
  using sink_fn = bool (*)(void*, const event&);
  // Returns false on failure (stored in fail_code_/fail_reason_).
  bool parse(char* data, std::size_t n, sink_fn sink, void* ctx);
  bool check_start(unsigned char b0, unsigned char b1) noexcept;
  bool start_frame(const unsigned char* h) noexcept;
  bool control_done(const char* payload, std::size_t len, sink_fn sink, void* ctx, bool& go_on);
  bool fail(std::uint16_t code, const char* reason) noexcept;

  std::string buf_;                // fragments of the message in progress, then a straddling control frame
  std::uint64_t max_;              // max_message_bytes
  std::uint64_t remaining_ = 0;    // payload bytes of the current frame not yet received
  const char* fail_reason_ = nullptr;
  utf8_validator utf8_;            // state of the text message in progress
  unsigned char mask_[4] = {};     // masking key of the current frame, rotated to the next byte's position
  unsigned char hdr_[14] = {};     // a frame header that straddles calls (at most 2 + 8 + 4 bytes)
  std::uint8_t hdr_len_ = 0;       // bytes in hdr_
  std::uint8_t frame_op_ = 0;      // opcode of the current frame
  std::uint8_t msg_op_ = 0;        // 0, or text/binary while a message is in progress
  std::uint8_t ctrl_len_ = 0;      // payload length of the current control frame
  bool frame_fin_ = false;
  bool in_payload_ = false;        // a header was parsed; its payload (maybe empty) is being received
  bool closed_ = false;
  std::uint16_t fail_code_ = 0;
};

// Server->client frame header (FIN set, never masked). Writes 2, 4 or 10 bytes into out; returns the count.
std::size_t encode_header(char out[10], opcode op, std::uint64_t payload_len) noexcept;
// A complete frame: header + payload (for small frames; large ones better send header and payload separately).
std::string make_frame(opcode op, std::string_view payload);
// A complete Close frame: code (omitted with the reason when 0) + reason truncated to fit 125 bytes at a UTF-8
// boundary. A reason that is not valid UTF-8 is dropped (a client would fail the connection on it).
std::string close_frame(std::uint16_t code, std::string_view reason);
// A complete Pong frame echoing a ping payload (longer payloads are cut to 125 bytes).
std::string pong_frame(std::string_view payload);
// Whether a Close code may appear on the wire (1000-1003, 1007-1014, 3000-4999).
bool valid_close_code(std::uint16_t code) noexcept;

}  // namespace actorhub::transport::ws
