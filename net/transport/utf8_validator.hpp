// Incremental UTF-8 validation (RFC 3629) for WebSocket text messages, which may arrive split anywhere:
// across fragments and across reads. Keeps 4 bytes of state so a validator can live in every connection.
#pragma once

#include <cstdint>
#include <string_view>

namespace actorhub::transport::ws {

class utf8_validator {
 public:
  // Validates the next bytes of the stream. Returns false as soon as the bytes so far cannot be a prefix of valid
  // UTF-8 (overlong forms, surrogates U+D800..U+DFFF, code points above U+10FFFF, stray continuation bytes,
  // bytes C0, C1, F5..FF). A failure is sticky until reset().
  bool feed(std::string_view bytes) noexcept;
  // True when the bytes so far are valid and do not end in the middle of a code point.
  bool complete() const noexcept { return need_ == 0 && !bad_; }
  void reset() noexcept { *this = utf8_validator{}; }

 private:
  // Continuation bytes still expected and the allowed range of the next one (narrower than 80..BF only right
  // after E0, ED, F0 and F4: that is where overlongs, surrogates and > U+10FFFF are excluded).
  std::uint8_t need_ = 0;
  std::uint8_t lo_ = 0x80;
  std::uint8_t hi_ = 0xBF;
  bool bad_ = false;
};

}  // namespace actorhub::transport::ws
