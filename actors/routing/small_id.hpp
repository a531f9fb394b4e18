// A connection id in 24 bytes. The registry keeps one per connection, so its size is paid per connection: a
// std::string is 32 bytes and keeps only 15 characters inline, while the server's ids have 22 characters and
// would each need a 32-byte heap block besides. Measured with actorhub-actor-memory: ~40 bytes per idle
// connection. Ids of up to 23 characters live inside; longer ones (other servers' ids, tests) on the heap.
// Internal.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace actorhub::routing {

class small_id {
 public:
  static constexpr std::size_t inline_capacity = 23;

  small_id() noexcept { set_inline_size(0); }
  explicit small_id(std::string_view id) {
    if (id.size() <= inline_capacity) {
      std::memcpy(bytes_, id.data(), id.size());
      set_inline_size(id.size());
      return;
    }
    char* copy = new char[id.size()];
    std::memcpy(copy, id.data(), id.size());
    const std::size_t size = id.size();
    std::memcpy(bytes_, &copy, sizeof copy);
    std::memcpy(bytes_ + sizeof copy, &size, sizeof size);
    bytes_[inline_capacity] = heap_tag;
  }
  small_id(small_id&& other) noexcept {
    std::memcpy(bytes_, other.bytes_, sizeof bytes_);
    other.set_inline_size(0);
  }
  small_id& operator=(small_id&& other) noexcept {
    if (this != &other) {
      release();
      std::memcpy(bytes_, other.bytes_, sizeof bytes_);
      other.set_inline_size(0);
    }
    return *this;
  }
  small_id(const small_id&) = delete;
  small_id& operator=(const small_id&) = delete;
  ~small_id() { release(); }

  std::string_view view() const noexcept {
    if (on_heap()) return {heap_data(), heap_size()};
    return {bytes_, inline_capacity - static_cast<unsigned char>(bytes_[inline_capacity])};
  }
  std::string str() const { return std::string(view()); }
  bool on_heap() const noexcept { return bytes_[inline_capacity] == heap_tag; }

 private:
  // The last byte holds 23 - size for inline ids (never 0xff) or heap_tag.
  static constexpr char heap_tag = static_cast<char>(0xff);

  void set_inline_size(std::size_t n) noexcept { bytes_[inline_capacity] = static_cast<char>(inline_capacity - n); }
  void release() noexcept {
    if (on_heap()) delete[] heap_data();
    set_inline_size(0);
  }
  char* heap_data() const noexcept {
    char* p;
    std::memcpy(&p, bytes_, sizeof p);
    return p;
  }
  std::size_t heap_size() const noexcept {
    std::size_t n;
    std::memcpy(&n, bytes_ + sizeof(char*), sizeof n);
    return n;
  }

  char bytes_[inline_capacity + 1];
};
static_assert(sizeof(small_id) == 24);

}  // namespace actorhub::routing
