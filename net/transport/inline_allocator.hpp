// An allocator for one pending Asio operation at a time, served from storage inside the object that owns
// the operation (falls back to the heap when the slot is busy or too small).
//
// Asio otherwise takes operation memory from its per-thread recycling cache, which hands out whatever block
// was freed last: an idle WebSocket's pending read ended up holding a ~540-byte block left over from the
// HTTP parser's read, per connection. With this, the pending read lives in a few dozen bytes of the link.
#pragma once

#include <cstddef>
#include <memory>

namespace actorhub::transport {

template <std::size_t Size>
struct inline_slot {
  alignas(std::max_align_t) unsigned char bytes[Size];
  bool used = false;
};

template <class T, std::size_t Size>
class inline_allocator {
 public:
  using value_type = T;
  template <class U>
  struct rebind {
    using other = inline_allocator<U, Size>;
  };

  explicit inline_allocator(inline_slot<Size>* slot) noexcept : slot_(slot) {}
  template <class U>
  inline_allocator(const inline_allocator<U, Size>& other) noexcept : slot_(other.slot()) {}

  T* allocate(std::size_t n) {
    if (!slot_->used && n * sizeof(T) <= Size && alignof(T) <= alignof(std::max_align_t)) {
      slot_->used = true;
      return reinterpret_cast<T*>(slot_->bytes);
    }
    return std::allocator<T>().allocate(n);
  }

  void deallocate(T* p, std::size_t n) noexcept {
    if (reinterpret_cast<unsigned char*>(p) == slot_->bytes) {
      slot_->used = false;
      return;
    }
    std::allocator<T>().deallocate(p, n);
  }

  inline_slot<Size>* slot() const noexcept { return slot_; }

  template <class U>
  bool operator==(const inline_allocator<U, Size>& o) const noexcept {
    return slot_ == o.slot();
  }
  template <class U>
  bool operator!=(const inline_allocator<U, Size>& o) const noexcept {
    return slot_ != o.slot();
  }

 private:
  inline_slot<Size>* slot_;
};

}  // namespace actorhub::transport
