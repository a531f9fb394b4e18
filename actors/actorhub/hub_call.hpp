// The context of one hub method call (like ASP.NET Core's Hub.Context + Clients + Groups). It belongs to the
// calling connection's actor, but it (and its copies) may be used from any thread: what it does runs in that
// actor, at once when the caller is the actor, else as a message to it, in the order one thread called. So a
// handler on the blocking pool, or a callback on the application's own thread, sends and resolves like a
// handler in the actor. Only self() is limited to the actor (null elsewhere).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <caf/actor_addr.hpp>
#include <caf/fwd.hpp>

#include <actorhub/clients.hpp>
#include <actorhub/presence.hpp>
#include <actorhub/connection_info.hpp>

namespace actorhub {

namespace detail {
class connection_runtime;
struct invocation_state;
}  // namespace detail

class deferred;

// Runs functions in a connection's actor; thread-safe; a no-op once the connection is gone.
class connection_executor {
 public:
  connection_executor() = default;
  explicit connection_executor(caf::actor_addr actor) : actor_(std::move(actor)) {}
  // Returns false when the connection is already gone.
  bool post(std::function<void()> f) const;

 private:
  caf::actor_addr actor_;  // weak: the executor never keeps a connection alive
};

class hub_call {
 public:
  hub_call(std::shared_ptr<detail::connection_runtime> rt, std::shared_ptr<detail::invocation_state> inv);

  const std::string& connection_id() const noexcept;
  const std::string& user_id() const noexcept;  // "" when anonymous
  const connection_info& info() const noexcept;  // transport, protocol, claims, headers, query, cookies
  const std::string& hub_name() const noexcept;
  const std::string& method() const noexcept;    // "" in on_connected / on_disconnected
  const std::optional<std::string>& invocation_id() const noexcept;  // none for non-blocking invocations

  hub_clients clients() const;
  group_manager groups() const;
  actorhub::presence presence() const;

  // Completes the invocation later: return the deferred (or just keep it) and resolve/fail it in a callback.
  deferred defer();
  // Runs `f` in this connection's actor after `delay` (a CAF delayed message); dropped once the connection
  // is gone. An exception escaping `f` fails this invocation if it is still running.
  void after(std::chrono::milliseconds delay, std::function<void()> f) const;
  connection_executor executor() const;
  // The connection actor, e.g. for self()->request(user_actor, ...). Valid while the connection lives, and only
  // in that actor (handlers that run there and their callbacks); null on other threads.
  caf::event_based_actor* self() const noexcept;
  // Closes the connection (like Context.Abort()).
  void abort(std::optional<std::string> error = std::nullopt) const;

 private:
  std::shared_ptr<detail::connection_runtime> rt_;
  std::shared_ptr<detail::invocation_state> inv_;
};

}  // namespace actorhub
