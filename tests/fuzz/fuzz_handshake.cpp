// libFuzzer target: the hub protocol handshake request parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/handshake.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = actorhub::parse_handshake(in, 4096);
  if (r.state == actorhub::handshake_parse::complete && r.consumed > size) __builtin_trap();
  return 0;
}
