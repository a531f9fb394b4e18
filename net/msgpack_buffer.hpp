// The msgpack-cxx packer's output stream: appends straight to a std::string. Internal to the codec.
#pragma once

#include <cstddef>
#include <string>

namespace actorhub {

struct append_buffer {
  std::string* out;
  void write(const char* p, std::size_t n) { out->append(p, n); }
};

}  // namespace actorhub
