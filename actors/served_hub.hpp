// A hub as a node serves it: the author's definition plus the node-wide settings its connections run with.
// Shared (immutable) by the hub's host and every connection actor. Internal.
#pragma once

#include <actorhub/hub.hpp>
#include <actorhub/node_options.hpp>

namespace actorhub {

struct served_hub {
  hub definition;
  connection_limits limits;
  dispatch_options dispatch;
};

}  // namespace actorhub
