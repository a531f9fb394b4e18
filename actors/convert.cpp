// Out-of-line helpers of the value conversions.
#include <actorhub/convert.hpp>

#include <array>

namespace actorhub::detail {

namespace {

const char* kind_of(const value& v) {
  switch (v.get().index()) {
    case 0: return "null";
    case 1: return "a boolean";
    case 2:
    case 3: return "an integer";
    case 4: return "a number";
    case 5: return "a string";
    case 6: return "binary data";
    case 7: return "a timestamp";
    case 8: return "an array";
    default: return "an object";
  }
}

}  // namespace

void conversion_failed(const value& v, std::string_view expected) {
  throw conversion_error("Error binding arguments. Make sure that the types of the provided values match the types "
                         "of the hub method being invoked. Expected " +
                         std::string(expected) + ", got " + kind_of(v) + ".");
}

std::optional<bytes> decode_base64(std::string_view s) {
  static const auto table = [] {
    std::array<std::int8_t, 256> t{};
    t.fill(-1);
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    return t;
  }();
  if (s.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  while (pad < 2 && pad < s.size() && s[s.size() - 1 - pad] == '=') ++pad;
  bytes out;
  out.reserve(s.size() / 4 * 3);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < s.size() - pad; ++i) {
    auto d = table[static_cast<unsigned char>(s[i])];
    if (d < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace actorhub::detail
