// Serves one hub on an actor system: the hub_endpoint the server calls for each new connection. It owns the
// hub's router (hub actor) and spawns one connection actor per connection.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <memory>

#include <caf/fwd.hpp>

#include <actorhub/hub_context.hpp>
#include "actors/routing/router.hpp"
#include "actors/served_hub.hpp"
#include "net/hub_connection.hpp"

namespace actorhub {

// Makes the router a hub's connections talk to (see actors/router.hpp); the default is the local hub actor.
using router_factory = std::function<router_actor(caf::actor_system& sys, const std::string& hub_name)>;

// The sink of a hub_context: sends, group changes and client results from outside any connection actor.
std::shared_ptr<detail::target_sink> make_context_sink(caf::actor_system& sys, router_actor router,
                                                     std::chrono::milliseconds client_result_timeout);

class hub_host : public hub_endpoint {
 public:
  // `inline_dispatch`: a frame from the client may run the connection actor on the thread that read it
  // (caf_internals/inline_unit.hpp); false: CAF's scheduler always runs it (the plain path).
  hub_host(caf::actor_system& sys, std::shared_ptr<const served_hub> served, bool inline_dispatch = true,
           const router_factory& make_router = {});
  ~hub_host() override;
  hub_host(const hub_host&) = delete;
  hub_host& operator=(const hub_host&) = delete;

  bool requires_authentication() const noexcept override;
  // Spawns the connection actor; the returned receiver forwards each batch as ONE actor message.
  std::unique_ptr<hub_inbound> connect(hub_connection_ptr conn) override;
  // A connection that continues here from another node: registered with its user (the router restores its
  // groups), without OnConnectedAsync.
  std::unique_ptr<hub_inbound> resume(hub_connection_ptr conn) override;
  // Ends the connection actor behind a receiver that server::export_session handed over (the connection moved to
  // another node): no OnDisconnectedAsync, no detach. Any other receiver is just destroyed.
  static void retire_moved(std::unique_ptr<hub_inbound> receiver);

  const hub& definition() const noexcept { return served_->definition; }
  const router_actor& router() const noexcept { return router_; }
  hub_context context() const;
  // Closes the connections still registered and stops the router (idempotent).
  void shutdown();

 private:
  std::unique_ptr<hub_inbound> start(hub_connection_ptr conn, bool resumed);

  caf::actor_system& sys_;
  std::shared_ptr<const served_hub> served_;
  bool inline_dispatch_;
  router_actor router_;
  std::atomic<bool> stopped_{false};
};

}  // namespace actorhub
