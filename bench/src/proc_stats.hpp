#pragma once
// Server-side cost from /proc: CPU time (utime+stime of the whole process, dead threads included) and VmRSS.
#include <cstdint>
#include <vector>

namespace bench {

struct proc_sample {
  bool ok = false;          // every pid was readable
  double cpu_s = 0;         // summed over pids
  uint64_t rss_kib = 0;     // summed over pids
  uint64_t threads = 0;
  uint64_t ctx_switches = 0;  // voluntary + involuntary, summed over the live threads
};

proc_sample sample_processes(const std::vector<int>& pids);
double own_cpu_seconds();  // this process (user + sys)
double load_average_1min();  // -1 when unreadable

}  // namespace bench
