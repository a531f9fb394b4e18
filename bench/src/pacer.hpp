#pragma once
// Token bucket for --rate: how many sends are due now. Caps the backlog so a stall does not cause a burst
// larger than `burst`.
#include <algorithm>
#include <cstdint>

namespace bench {

class pacer {
 public:
  pacer(double per_second, double burst) : rate_(per_second), burst_(std::max(1.0, burst)) {}
  void start(int64_t now) { last_ = now; tokens_ = 1; }
  // Whole sends due at `now`; the caller reports how many it could not use with give_back().
  uint64_t take(int64_t now) {
    tokens_ = std::min(burst_, tokens_ + rate_ * double(now - last_) / 1e9);
    last_ = now;
    auto n = uint64_t(tokens_);
    tokens_ -= double(n);
    return n;
  }
  void give_back(uint64_t n) { tokens_ = std::min(burst_, tokens_ + double(n)); }

 private:
  double rate_, burst_;
  double tokens_ = 0;
  int64_t last_ = 0;
};

}  // namespace bench
