// Access to a hub from outside its methods (like ASP.NET Core's IHubContext): the same targets and group
// management, plus client results via clients().client(id).invoke(...). Thread-safe; sends are
// fire-and-forget; callbacks (group `done`, client results) run on an actor thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "caf/fwd.hpp"

#include "actors/clients.hpp"
#include "actors/router.hpp"

namespace actorhub {

class hub_context {
 public:
  hub_context() = default;
  hub_context(caf::actor_system& sys, router_actor router, std::string hub_name,
              std::chrono::milliseconds client_result_timeout);

  client_targets clients() const;
  group_manager groups() const;
  const std::string& hub_name() const noexcept { return name_; }
  explicit operator bool() const noexcept { return sink_ != nullptr; }

 private:
  std::shared_ptr<detail::target_sink> sink_;
  std::string name_;
};

}  // namespace actorhub
