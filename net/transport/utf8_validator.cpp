#include "net/transport/utf8_validator.hpp"

#include <cstring>

namespace actorhub::transport::ws {

bool utf8_validator::feed(std::string_view bytes) noexcept {
  if (bad_) return false;
  auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  auto* const end = p + bytes.size();
  for (;;) {
    // Continuation bytes of the current code point (possibly begun in an earlier feed).
    while (need_ != 0) {
      if (p == end) return true;
      unsigned char c = *p++;
      if (c < lo_ || c > hi_) return bad_ = true, false;
      lo_ = 0x80;
      hi_ = 0xBF;
      --need_;
    }
    // ASCII fast path: SignalR JSON is almost all ASCII, so skip 8 bytes per step while no high bit is set.
    while (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      if (w & 0x8080808080808080ULL) break;
      p += 8;
    }
    while (p != end && *p < 0x80) ++p;
    if (p == end) return true;
    // A lead byte: the table of RFC 3629 section 4 decides the length and the range of the first continuation.
    unsigned char c = *p++;
    if (c >= 0xC2 && c <= 0xDF) {
      need_ = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need_ = 2;
      if (c == 0xE0) lo_ = 0xA0;        // E0 80..9F would be overlong
      else if (c == 0xED) hi_ = 0x9F;   // ED A0..BF would be a surrogate
    } else if (c >= 0xF0 && c <= 0xF4) {
      need_ = 3;
      if (c == 0xF0) lo_ = 0x90;        // F0 80..8F would be overlong
      else if (c == 0xF4) hi_ = 0x8F;   // F4 90..BF would exceed U+10FFFF
    } else {
      return bad_ = true, false;        // 80..BF stray continuation, C0/C1 overlong, F5..FF never valid
    }
  }
}

}  // namespace actorhub::transport::ws
