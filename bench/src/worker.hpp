#pragma once
// A client worker process: owns connections [first, first + count) of the run, sets them up (at most
// --connect-concurrency at a time), keeps them alive, runs the scenario role, and reports to the coordinator.
#include <cstdint>

#include "ipc.hpp"
#include "options.hpp"

namespace bench {

// Runs in the forked child; returns the exit code.
int run_worker(const options& opts, uint32_t first, uint32_t count, channel& to_coordinator);

}  // namespace bench
