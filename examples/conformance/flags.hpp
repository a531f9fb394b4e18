// Command line of conformance-hub (CONTRACT.md §1, plus the cluster flags of docs/cluster.md).
#pragma once

#include <string>
#include <vector>

#include <actorhub/node_options.hpp>

namespace conformance {

struct flags {
  actorhub::node_options node;  // --http, --name, --access-key, --metrics, timeouts, limits, cluster
  bool help = false;
};

// Parses argv; on a bad command line returns false with a one-line `error`.
bool parse_flags(const std::vector<std::string>& args, flags& out, std::string& error);

const char* usage();

}  // namespace conformance
