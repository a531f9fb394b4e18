// actorhub-bench: a SignalR load generator for loopback benchmarks (see docs/benchmarks.md).
#include <cstdio>
#include <exception>

#include "coordinator.hpp"
#include "options.hpp"

int main(int argc, char** argv) {
  bench::options opts;
  try {
    if (!bench::parse_options(argc, argv, opts)) {
      std::fputs(bench::usage(), stdout);
      return 0;
    }
    return bench::run_coordinator(opts);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "actorhub-bench: %s\n", e.what());
    return 2;
  }
}
