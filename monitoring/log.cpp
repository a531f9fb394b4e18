// See log.hpp.
#include "monitoring/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <set>
#include <string>

namespace actorhub::log {

namespace {

std::mutex mu;

void line(const char* level, std::string_view text) {
  auto now = std::chrono::system_clock::now();
  auto t = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  std::lock_guard<std::mutex> g(mu);
  std::fprintf(stderr, "%s actorhub %s: %.*s\n", stamp, level, static_cast<int>(text.size()), text.data());
}

}  // namespace

void warning(std::string_view text) { line("warning", text); }
void info(std::string_view text) { line("info", text); }

void once(std::string_view key, std::string_view text) {
  static std::set<std::string, std::less<>> seen;
  {
    std::lock_guard<std::mutex> g(mu);
    if (!seen.emplace(key).second) return;
  }
  line("warning", text);
}

}  // namespace actorhub::log
