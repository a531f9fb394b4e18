#pragma once
// The parent process of a run: forks the workers, holds the broadcast sender connection, samples the server
// from /proc, decides when the measured phase starts and ends, prints progress and the result.
#include "options.hpp"

namespace bench {

int run_coordinator(const options& opts);

}  // namespace bench
