// A hash index from names to dense positions (uint32) whose names are stored by the owner, not here: the
// registry already keeps every connection id, user and group name once in its records, and this table adds
// 4 bytes per entry (8 at its lowest load) instead of another copy of the name. Open addressing with linear
// probing; erase shifts the following entries back, so there are no tombstones. Not thread-safe. Internal.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace actorhub::routing {

// NameOf: `std::string_view operator()(std::uint32_t position) const`, the name stored at a position.
template <class NameOf>
class name_table {
 public:
  static constexpr std::uint32_t npos = ~std::uint32_t{0};

  explicit name_table(NameOf name_of) : name_of_(std::move(name_of)) {}

  // The position stored under `name`, or npos.
  std::uint32_t find(std::string_view name) const noexcept {
    if (size_ == 0) return npos;
    for (auto i = home(name);; i = next(i)) {
      auto p = buckets_[i];
      if (p == npos) return npos;
      if (name_of_(p) == name) return p;
    }
  }

  // Stores `position` under its name, which must not be in the table yet.
  void insert(std::uint32_t position) {
    assert(position != npos);
    if ((size_ + 1) * 2 > buckets_.size()) grow();
    place(position);
    ++size_;
  }

  // Removes the entry for `name`; returns false when there is none.
  bool erase(std::string_view name) noexcept {
    if (size_ == 0) return false;
    auto i = home(name);
    for (;; i = next(i)) {
      auto p = buckets_[i];
      if (p == npos) return false;
      if (name_of_(p) == name) break;
    }
    // Backward-shift deletion: move later entries of the probe run into the hole when their home allows it.
    auto hole = i;
    for (auto j = next(i);; j = next(j)) {
      auto p = buckets_[j];
      if (p == npos) break;
      auto h = home(name_of_(p));
      // p may fill the hole if its home is not in the cyclic range (hole, j].
      const bool between = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
      if (!between) {
        buckets_[hole] = p;
        hole = j;
      }
    }
    buckets_[hole] = npos;
    --size_;
    return true;
  }

  std::size_t size() const noexcept { return size_; }
  std::size_t bucket_count() const noexcept { return buckets_.size(); }
  void clear() noexcept {
    std::vector<std::uint32_t>().swap(buckets_);
    size_ = 0;
  }

 private:
  std::size_t mask() const noexcept { return buckets_.size() - 1; }
  std::size_t home(std::string_view name) const noexcept { return std::hash<std::string_view>()(name) & mask(); }
  std::size_t next(std::size_t i) const noexcept { return (i + 1) & mask(); }

  void place(std::uint32_t position) {
    auto i = home(name_of_(position));
    while (buckets_[i] != npos) i = next(i);
    buckets_[i] = position;
  }

  void grow() {
    std::vector<std::uint32_t> old(buckets_.empty() ? 16 : buckets_.size() * 2, npos);
    old.swap(buckets_);
    for (auto p : old)
      if (p != npos) place(p);
  }

  NameOf name_of_;
  std::vector<std::uint32_t> buckets_;  // size is a power of two; npos = empty
  std::size_t size_ = 0;
};

}  // namespace actorhub::routing
