// See served_hub.hpp.
#include "actors/served_hub.hpp"

#include "actors/dispatch/watchdog.hpp"

namespace actorhub {

std::shared_ptr<const served_hub> make_served_hub(hub h, const connection_limits& limits,
                                                  const dispatch_options& dispatch,
                                                  std::shared_ptr<dispatch::blocking_pool> pool,
                                                  dispatch::slow_reporter report) {
  std::vector<std::string> names(h.method_count() + 2);
  h.for_each_method([&](const detail::method_entry& m) { names[m.index] = m.name; });
  names[h.method_count()] = "OnConnectedAsync";
  names[h.method_count() + 1] = "OnDisconnectedAsync";
  auto policy = std::make_shared<dispatch::dispatch_policy>(h.name(), std::move(names), dispatch, std::move(report));
  dispatch::watchdog::watch(policy);
  return std::make_shared<const served_hub>(served_hub{std::move(h), limits, std::move(policy), std::move(pool)});
}

}  // namespace actorhub
