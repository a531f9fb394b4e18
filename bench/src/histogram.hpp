#pragma once
// Log-linear latency histogram (HdrHistogram-like, 64 sub-buckets per power of two: <1.6% error), fixed size so
// worker processes can ship it to the coordinator as plain bytes and the coordinator can merge.
#include <array>
#include <cstdint>

namespace bench {

class histogram {
 public:
  static constexpr int buckets = 128 + 57 * 64;

  void record(int64_t value_ns);
  void merge(const histogram& other);
  uint64_t count() const { return total_; }
  int64_t max() const { return max_; }
  double mean() const { return total_ ? double(sum_) / double(total_) : 0.0; }
  // Value at quantile q in [0,1] (bucket midpoint; max() for q == 1).
  int64_t quantile(double q) const;

 private:
  static int index_of(uint64_t v);
  static uint64_t lower_bound_of(int idx);

  std::array<uint64_t, buckets> counts_{};
  uint64_t total_ = 0;
  int64_t max_ = 0;
  uint64_t sum_ = 0;
};

}  // namespace bench
