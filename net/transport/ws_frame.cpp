#include "net/transport/ws_frame.hpp"

#include <algorithm>
#include <cstring>

namespace actorhub::transport::ws {
namespace {

constexpr std::uint16_t protocol_error = 1002;
constexpr std::uint16_t invalid_payload = 1007;
constexpr std::uint16_t too_big = 1009;

// Unmasks p[0..n) in place and rotates `key` so that key[0] applies to the byte after them: a frame's payload
// may arrive in pieces of any length. XORs 8 bytes per step (the key repeats every 4 bytes).
void unmask(char* p, std::size_t n, unsigned char key[4]) noexcept {
  if (n == 0) return;
  std::uint32_t k32;
  std::memcpy(&k32, key, 4);
  const std::uint64_t k64 = (std::uint64_t{k32} << 32) | k32;  // both halves equal: endianness does not matter
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    w ^= k64;
    std::memcpy(p + i, &w, 8);
  }
  for (; i < n; ++i) p[i] = static_cast<char>(p[i] ^ key[i & 3]);
  if (const unsigned r = n & 3) {
    unsigned char t[4];
    for (unsigned j = 0; j < 4; ++j) t[j] = key[(j + r) & 3];
    std::memcpy(key, t, 4);
  }
}

// Header bytes implied by the second byte: 2, the extended length, and the 4-byte masking key.
std::size_t header_size(unsigned char b1) noexcept {
  const unsigned len7 = b1 & 0x7F;
  return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((b1 & 0x80) ? 4 : 0);
}

bool valid_utf8(std::string_view s) noexcept {
  utf8_validator v;
  return v.feed(s) && v.complete();
}

}  // namespace

bool valid_close_code(std::uint16_t code) noexcept {
  // 1004 is reserved, 1005/1006/1015 are for reporting only, 1016-2999 are unassigned or extension-reserved.
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

std::optional<failure> reader::error() const {
  if (fail_code_ == 0) return std::nullopt;
  return failure{fail_code_, fail_reason_};
}

bool reader::fail(std::uint16_t code, const char* reason) noexcept {
  fail_code_ = code;
  fail_reason_ = reason;
  // The connection is ending: hold nothing more.
  std::string().swap(buf_);
  hdr_len_ = 0;
  in_payload_ = false;
  msg_op_ = 0;
  return false;
}

// The rules decidable from the first two header bytes, checked as soon as those arrive.
bool reader::check_start(unsigned char b0, unsigned char b1) noexcept {
  if (b0 & 0x70) return fail(protocol_error, "reserved bits set");
  const unsigned op = b0 & 0x0F;
  if ((op > 2 && op < 8) || op > 10) return fail(protocol_error, "unknown opcode");
  if (!(b1 & 0x80)) return fail(protocol_error, "client frame not masked");
  const unsigned len7 = b1 & 0x7F;
  if (op >= 8) {
    if (!(b0 & 0x80)) return fail(protocol_error, "fragmented control frame");
    if (len7 > 125) return fail(protocol_error, "control frame over 125 bytes");
    if (op == 8 && len7 == 1) return fail(protocol_error, "close frame of 1 byte");
  } else if (op == 0) {
    if (msg_op_ == 0) return fail(protocol_error, "continuation without a message");
  } else if (msg_op_ != 0) {
    return fail(protocol_error, "new message inside a fragmented one");
  }
  return true;
}

// h holds a complete header that passed check_start.
bool reader::start_frame(const unsigned char* h) noexcept {
  const unsigned op = h[0] & 0x0F;
  const unsigned len7 = h[1] & 0x7F;
  const unsigned char* q = h + 2;
  std::uint64_t len = len7;
  if (len7 == 126) {
    len = (std::uint64_t{q[0]} << 8) | q[1];
    q += 2;
    if (len < 126) return fail(protocol_error, "non-minimal length");
  } else if (len7 == 127) {
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | q[i];
    q += 8;
    if (len >> 63) return fail(protocol_error, "length with the top bit set");
    if (len <= 0xFFFF) return fail(protocol_error, "non-minimal length");
  }
  if (op < 8) {
    // Before a byte of the payload is buffered: a hostile length never allocates. buf_ holds the message so far.
    if (len > max_ || buf_.size() > max_ - len) return fail(too_big, "message too big");
    if (op != 0) msg_op_ = static_cast<std::uint8_t>(op);
  } else {
    ctrl_len_ = static_cast<std::uint8_t>(len);
  }
  std::memcpy(mask_, q, 4);
  frame_op_ = static_cast<std::uint8_t>(op);
  frame_fin_ = (h[0] & 0x80) != 0;
  remaining_ = len;
  in_payload_ = true;
  return true;
}

bool reader::control_done(const char* payload, std::size_t len, sink_fn sink, void* ctx, bool& go_on) {
  event e{event::kind::ping, false, {}, 0};
  if (frame_op_ == static_cast<std::uint8_t>(opcode::close)) {
    e.what = event::kind::close;
    if (len >= 2) {  // length 1 was refused at the header
      const auto code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                                   static_cast<unsigned char>(payload[1]));
      if (!valid_close_code(code)) return fail(protocol_error, "invalid close code");
      const std::string_view reason(payload + 2, len - 2);
      if (!valid_utf8(reason)) return fail(invalid_payload, "close reason not valid UTF-8");
      e.close_code = code;
      e.payload = reason;
    }
    closed_ = true;
    go_on = false;
    sink(ctx, e);
    return true;
  }
  if (frame_op_ == static_cast<std::uint8_t>(opcode::pong)) e.what = event::kind::pong;
  e.payload = std::string_view(payload, len);
  go_on = sink(ctx, e);
  return true;
}

bool reader::parse(char* data, std::size_t n, sink_fn sink, void* ctx) {
  if (fail_code_ != 0) return false;
  if (closed_) return true;
  char* p = data;
  char* const end = data + n;
  for (;;) {
    if (!in_payload_) {
      if (p == end) return true;
      const unsigned char* h;
      if (hdr_len_ == 0 && end - p >= 2) {
        // Common case: the header starts in this buffer; parse it in place when it is complete here.
        const auto b1 = static_cast<unsigned char>(p[1]);
        if (!check_start(static_cast<unsigned char>(p[0]), b1)) return false;
        const std::size_t size = header_size(b1);
        if (static_cast<std::size_t>(end - p) < size) {
          std::memcpy(hdr_, p, static_cast<std::size_t>(end - p));
          hdr_len_ = static_cast<std::uint8_t>(end - p);
          return true;
        }
        h = reinterpret_cast<const unsigned char*>(p);
        p += size;
      } else {
        // The header straddles calls: collect it in hdr_ (first 2 bytes, then the size they imply).
        auto take = [&](std::size_t want) {
          const auto k = std::min<std::size_t>(want - hdr_len_, static_cast<std::size_t>(end - p));
          std::memcpy(hdr_ + hdr_len_, p, k);
          hdr_len_ = static_cast<std::uint8_t>(hdr_len_ + k);
          p += k;
          return hdr_len_ == want;
        };
        if (hdr_len_ < 2 && !take(2)) return true;
        if (!check_start(hdr_[0], hdr_[1])) return false;
        if (!take(header_size(hdr_[1]))) return true;
        h = hdr_;
        hdr_len_ = 0;
      }
      if (!start_frame(h)) return false;
    }

    // Payload of the current frame (possibly empty): events fire as soon as a frame is complete.
    const auto avail = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, static_cast<std::uint64_t>(end - p)));
    if (frame_op_ >= 8) {
      bool go_on = true;
      if (avail == ctrl_len_) {  // the whole control payload is here (remaining_ == ctrl_len_): no copy
        unmask(p, avail, mask_);
        p += avail;
        remaining_ = 0;
        in_payload_ = false;
        if (!control_done(p - avail, avail, sink, ctx, go_on)) return false;
      } else {
        // Straddles calls: held after the message in progress, and removed again once handed out.
        unmask(p, avail, mask_);
        buf_.append(p, avail);
        p += avail;
        remaining_ -= avail;
        if (remaining_ != 0) return true;
        in_payload_ = false;
        if (!control_done(buf_.data() + buf_.size() - ctrl_len_, ctrl_len_, sink, ctx, go_on)) return false;
        buf_.resize(buf_.size() - ctrl_len_);
      }
      if (closed_) {
        std::string().swap(buf_);
        msg_op_ = 0;
        utf8_.reset();
        return true;
      }
      if (!go_on) return true;
      continue;
    }

    const bool text = msg_op_ == static_cast<std::uint8_t>(opcode::text);
    if (frame_fin_ && avail == remaining_ && buf_.empty()) {
      // A whole message inside `data` (nothing of it held: the frame is complete here and earlier fragments, if
      // any, were empty): unmask in place and hand out a view. utf8_ has seen no byte of this message.
      unmask(p, avail, mask_);
      const std::string_view payload(p, avail);
      p += avail;
      remaining_ = 0;
      in_payload_ = false;
      msg_op_ = 0;
      if (text && !(utf8_.feed(payload) && utf8_.complete())) return fail(invalid_payload, "text not valid UTF-8");
      utf8_.reset();
      if (!sink(ctx, event{event::kind::message, !text, payload, 0})) return true;
      continue;
    }

    // Part of a frame, or a fragment: validate text as it arrives (fail fast) and hold the bytes.
    unmask(p, avail, mask_);
    if (text && !utf8_.feed(std::string_view(p, avail))) return fail(invalid_payload, "text not valid UTF-8");
    buf_.append(p, avail);
    p += avail;
    remaining_ -= avail;
    if (remaining_ != 0) return true;
    in_payload_ = false;
    if (!frame_fin_) continue;
    if (text && !utf8_.complete()) return fail(invalid_payload, "text not valid UTF-8");
    utf8_.reset();
    msg_op_ = 0;
    const bool go_on = sink(ctx, event{event::kind::message, !text, std::string_view(buf_), 0});
    buf_.clear();  // capacity stays for the next burst; shrink() returns it
    if (!go_on) return true;
  }
}

std::size_t encode_header(char out[10], opcode op, std::uint64_t payload_len) noexcept {
  out[0] = static_cast<char>(0x80 | static_cast<unsigned>(op));
  if (payload_len < 126) {
    out[1] = static_cast<char>(payload_len);
    return 2;
  }
  if (payload_len <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<char>(payload_len >> 8);
    out[3] = static_cast<char>(payload_len & 0xFF);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<char>((payload_len >> (56 - 8 * i)) & 0xFF);
  return 10;
}

std::string make_frame(opcode op, std::string_view payload) {
  char h[10];
  const std::size_t hn = encode_header(h, op, payload.size());
  std::string out;
  out.reserve(hn + payload.size());
  out.append(h, hn);
  out.append(payload);
  return out;
}

std::string close_frame(std::uint16_t code, std::string_view reason) {
  if (code == 0) return make_frame(opcode::close, {});
  // 125 payload bytes minus the code; never cut inside a code point (step back over continuation bytes).
  std::size_t n = std::min<std::size_t>(reason.size(), 123);
  if (n < reason.size())
    while (n > 0 && (static_cast<unsigned char>(reason[n]) & 0xC0) == 0x80) --n;
  reason = reason.substr(0, n);
  if (!valid_utf8(reason)) reason = {};
  std::string payload;
  payload.reserve(2 + reason.size());
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason);
  return make_frame(opcode::close, payload);
}

std::string pong_frame(std::string_view payload) { return make_frame(opcode::pong, payload.substr(0, 125)); }

}  // namespace actorhub::transport::ws
