#include "histogram.hpp"

#include <algorithm>
#include <cmath>

namespace bench {

int histogram::index_of(uint64_t v) {
  if (v < 128) return int(v);
  int msb = 63 - __builtin_clzll(v);  // >= 7
  int shift = msb - 6;
  uint64_t top = v >> shift;  // in [64, 127]
  return 128 + (msb - 7) * 64 + int(top - 64);
}

uint64_t histogram::lower_bound_of(int idx) {
  if (idx < 128) return uint64_t(idx);
  int msb = (idx - 128) / 64 + 7;
  uint64_t top = uint64_t((idx - 128) % 64 + 64);
  return top << (msb - 6);
}

void histogram::record(int64_t value_ns) {
  uint64_t v = value_ns < 0 ? 0 : uint64_t(value_ns);
  ++counts_[index_of(v)];
  ++total_;
  sum_ += v;
  max_ = std::max<int64_t>(max_, int64_t(v));
}

void histogram::merge(const histogram& other) {
  for (int i = 0; i < buckets; ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

int64_t histogram::quantile(double q) const {
  if (total_ == 0) return 0;
  if (q >= 1.0) return max_;
  uint64_t rank = uint64_t(std::ceil(q * double(total_)));
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (int i = 0; i < buckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      uint64_t lo = lower_bound_of(i);
      uint64_t hi = i + 1 < buckets ? lower_bound_of(i + 1) : lo;
      return std::min<int64_t>(int64_t(lo + (hi - lo) / 2), max_);
    }
  }
  return max_;
}

}  // namespace bench
