// A hub as a node serves it: the author's definition plus the node-wide settings its connections run with,
// and where its handlers run (dispatch). Shared, immutable, by the hub's host and every connection actor.
// Internal.
#pragma once

#include <cstddef>
#include <memory>

#include <actorhub/hub.hpp>
#include <actorhub/node_options.hpp>
#include "actors/dispatch/blocking_pool.hpp"
#include "actors/dispatch/dispatch_policy.hpp"

namespace actorhub {

struct served_hub {
  hub definition;
  connection_limits limits;
  // Null: every handler runs in its connection actor (the actors tests, which need determinism).
  std::shared_ptr<dispatch::dispatch_policy> policy;
  std::shared_ptr<dispatch::blocking_pool> pool;

  // The dispatch numbers of the two handlers that are no methods.
  std::size_t on_connected_handler() const noexcept { return definition.method_count(); }
  std::size_t on_disconnected_handler() const noexcept { return definition.method_count() + 1; }
};

// A served hub whose handlers run where a dispatch_policy made from `dispatch` says (watched by the watchdog),
// slow ones on `pool`.
std::shared_ptr<const served_hub> make_served_hub(hub h, const connection_limits& limits,
                                                  const dispatch_options& dispatch,
                                                  std::shared_ptr<dispatch::blocking_pool> pool,
                                                  dispatch::slow_reporter report);

}  // namespace actorhub
