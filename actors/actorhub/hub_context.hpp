// Access to a hub from outside its methods (like ASP.NET Core's IHubContext): the same targets and group
// management, plus client results via clients().client(id).invoke(...). Thread-safe; sends are
// fire-and-forget; callbacks (group `done`, client results) run on an actor thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>


#include <actorhub/clients.hpp>
#include <actorhub/presence.hpp>

namespace actorhub {

class hub_context {
 public:
  hub_context() = default;
  // Made by the node (node::add_hub, node::context).
  hub_context(std::shared_ptr<detail::target_sink> sink, std::string hub_name);

  client_targets clients() const;
  group_manager groups() const;
  actorhub::presence presence() const;
  const std::string& hub_name() const noexcept { return name_; }
  explicit operator bool() const noexcept { return sink_ != nullptr; }

 private:
  std::shared_ptr<detail::target_sink> sink_;
  std::string name_;
};

}  // namespace actorhub
