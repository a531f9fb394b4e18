// libFuzzer target: the WebSocket frame reader (net/transport/ws_frame), fed the input in pieces whose sizes
// come from the first byte, as a socket would deliver it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "net/transport/ws_frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t piece = 1 + data[0] % 64;
  std::vector<char> buf(data + 1, data + size);  // the reader unmasks in place
  actorhub::transport::ws::reader r(4096);
  std::size_t total = 0;
  for (std::size_t off = 0; off < buf.size(); off += piece) {
    std::size_t n = std::min(piece, buf.size() - off);
    auto failure = r.feed(buf.data() + off, n, [&](const actorhub::transport::ws::event& e) {
      total += e.payload.size();
      if (e.payload.size() > 4096) __builtin_trap();  // the message limit holds
      return true;
    });
    if (failure) break;
  }
  return 0;
}
