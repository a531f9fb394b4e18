#include "proc_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <dirent.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace bench {

namespace {

bool read_stat(int pid, double& cpu_s, uint64_t& threads) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return false;
  auto paren = line.rfind(')');  // the command name may contain spaces
  if (paren == std::string::npos) return false;
  std::istringstream in(line.substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0, nthreads = 0;
  // fields after ')': 3 state ... 14 utime 15 stime ... 20 num_threads
  for (int i = 3; i <= 20 && (in >> field); ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
    if (i == 20) nthreads = std::stoull(field);
  }
  static const long ticks = sysconf(_SC_CLK_TCK);
  cpu_s = double(utime + stime) / double(ticks);
  threads = nthreads;
  return true;
}

bool read_rss(int pid, uint64_t& kib) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      kib = std::stoull(line.substr(6));
      return true;
    }
  }
  return false;
}

// Context switches of every live thread: a thread hand-off per message shows up here.
uint64_t read_ctx_switches(int pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = opendir(dir.c_str());
  if (!d) return 0;
  uint64_t total = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream f(dir + "/" + e->d_name + "/status");
    std::string line;
    while (std::getline(f, line)) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) total += std::stoull(line.substr(24));
      else if (line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) total += std::stoull(line.substr(27));
    }
  }
  closedir(d);
  return total;
}

}  // namespace

proc_sample sample_processes(const std::vector<int>& pids) {
  proc_sample s;
  s.ok = !pids.empty();
  for (int pid : pids) {
    double cpu = 0;
    uint64_t rss = 0, threads = 0;
    if (!read_stat(pid, cpu, threads) || !read_rss(pid, rss)) {
      s.ok = false;
      continue;
    }
    s.cpu_s += cpu;
    s.rss_kib += rss;
    s.threads += threads;
    s.ctx_switches += read_ctx_switches(pid);
  }
  return s;
}

double load_average_1min() {
  std::ifstream f("/proc/loadavg");
  double v = -1;
  if (!(f >> v)) return -1;
  return v;
}

double own_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace bench
