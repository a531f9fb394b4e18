// libFuzzer target: the JSON hub protocol decoder on arbitrary input (records split at 0x1E, size-capped), and
// the encoder on whatever it decoded (a decoded message must encode without failing).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/hub_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& p = actorhub::json_protocol();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<actorhub::hub_message> out;
  auto status = p.parse(in, out, 4096);
  (void)status;
  std::string encoded;
  for (const auto& m : out) p.write(m, encoded);
  return 0;
}
