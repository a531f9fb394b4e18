#pragma once
// One clock for every process of a run: CLOCK_MONOTONIC is system-wide, so a send timestamp written by the
// sender process can be compared with the receive time in any worker process.
#include <cstdint>
#include <ctime>

namespace bench {

inline int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

constexpr int64_t ms_to_ns(double ms) { return int64_t(ms * 1e6); }
constexpr int64_t s_to_ns(double s) { return int64_t(s * 1e9); }

}  // namespace bench
