// Who is connected, answered for the whole hub: every process it spans in a cluster or behind a gateway
// (ASP.NET Core SignalR has no such API; with its Redis backplane each server only knows its own clients).
// From hub_call::presence() or hub_context::presence(); the callbacks run in the calling connection's actor
// (or, from a hub_context, on an actor thread).
//
//   c.presence().users_in_group("room", [c](std::vector<std::string> users) {
//     c.clients().caller().send("Who", users);
//   });
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace actorhub {

namespace detail {
class target_sink;
}

class presence {
 public:
  explicit presence(std::shared_ptr<detail::target_sink> sink) : sink_(std::move(sink)) {}

  // The connection ids in a group (sorted).
  void connections_in_group(std::string group, std::function<void(std::vector<std::string>)> done) const;
  // The distinct users with a connection in a group (sorted; anonymous connections are not counted).
  void users_in_group(std::string group, std::function<void(std::vector<std::string>)> done) const;
  // The connections of the hub.
  void connection_count(std::function<void(std::uint64_t)> done) const;
  // Whether a user has at least one connection.
  void user_online(std::string user, std::function<void(bool)> done) const;

 private:
  std::shared_ptr<detail::target_sink> sink_;
};

}  // namespace actorhub
