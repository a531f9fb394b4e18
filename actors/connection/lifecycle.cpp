// A connection's life in its actor: registration with the router, on_connected, and its end (on_disconnected,
// leaving the registry). Also the bridge for calls from other threads.
#include "actors/connection/connection_runtime.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include "actors/caf_internals/tracked_actor.hpp"

namespace actorhub::detail {

connection_runtime::connection_runtime(caf::event_based_actor* self, std::shared_ptr<const served_hub> served,
                                       router_actor router, hub_connection_ptr conn,
                                       std::atomic<std::uint32_t>* inflight)
    : self_(self),
      address_(self->address()),
      served_(std::move(served)),
      router_(std::move(router)),
      conn_(std::move(conn)),
      inflight_(inflight) {}

connection_runtime::registries& connection_runtime::regs() {
  if (!regs_) regs_ = std::make_unique<registries>();
  return *regs_;
}

// -- from any thread ------------------------------------------------------------------------------------------

bool connection_runtime::on_actor_thread() const noexcept {
  return caf_internals::tracked_actor::current() == static_cast<caf::abstract_actor*>(self_);
}

caf::event_based_actor* connection_runtime::self() const noexcept {
  return alive_ && on_actor_thread() ? self_ : nullptr;
}

bool connection_runtime::post(std::function<void()> f, std::weak_ptr<invocation_state> owner) const {
  auto actor = caf::actor_cast<caf::actor>(address_);
  if (!actor || closed()) return false;
  caf::anon_send(actor, post_atom::value, scheduled_call{std::move(f), std::move(owner)});
  return true;
}

void connection_runtime::run_scheduled(scheduled_call& call) {
  if (!alive_) return;
  guarded(call.owner, call.fn);
}

void connection_runtime::guarded(const std::weak_ptr<invocation_state>& owner, const std::function<void()>& f) {
  try {
    f();
  } catch (...) {
    if (auto inv = owner.lock()) fail(*inv, std::current_exception());
  }
}

void connection_runtime::after(const std::shared_ptr<invocation_state>& owner, std::chrono::milliseconds delay,
                               std::function<void()> f) {
  if (!alive_ || closed()) return;
  self_->delayed_send(caf::actor_cast<caf::actor>(self_), delay, timer_atom::value,
                      scheduled_call{std::move(f), owner});
}

// -- start ------------------------------------------------------------------------------------------------------

void connection_runtime::start(bool resumed) {
  // on_connected is a pseudo-invocation at the head of the queue: later invocations wait for it, and it runs
  // once the router registered this connection (so its own sends may already reach it).
  auto inv = make_invocation(nullptr, served_->on_connected_handler(), "OnConnectedAsync");
  inv->blocks_queue = true;
  current_ = inv;
  connection_entry entry{info().connection_id, info().user_id, conn_, caf::actor_cast<caf::actor>(self_)};
  ++router_pending_;
  self_->request(router_, caf::infinite, attach_atom::value, std::move(entry))
      .then(
          [this, inv, resumed](ok_atom) {
            router_request_done();
            if (!resumed) return connected(inv);
            if (closed()) return;
            connected_ran_ = true;  // on the node it came from: OnDisconnectedAsync runs here when it ends
            finish(*inv, std::nullopt, std::nullopt);
          },
          [this](caf::error&) {
            router_request_done();
            // The router is gone: the hub is shutting down.
            if (!closed()) protocol_failure("Server is shutting down.");
          });
}

void connection_runtime::connected(const std::shared_ptr<invocation_state>& inv) {
  if (closed()) return;
  connected_ran_ = true;
  auto& f = definition().connected();
  if (!f) {
    finish(*inv, std::nullopt, std::nullopt);
    return;
  }
  run_handler(
      inv, [f](hub_call& call) { return f(call), call_outcome{}; },
      [this, inv](call_result r) {
        if (r.error) {
          connected_ran_ = false;
          protocol_failure(error_text::closed_with_error(r.error, definition().options().detailed_errors));
          return;
        }
        if (!inv->deferred) finish(*inv, std::nullopt, std::nullopt);
      });
}

// -- the end ------------------------------------------------------------------------------------------------

void connection_runtime::protocol_failure(const std::string& error) {
  conn_->close(error);
  on_closed(error);
}

void connection_runtime::on_moved() {
  if (closed_.exchange(true)) return;
  release_invocations();
  teardown();
  self_->quit();
}

void connection_runtime::on_closed(std::optional<std::string> error) {
  if (closed_.exchange(true)) return;
  release_invocations();
  auto& f = definition().disconnected();
  if (!connected_ran_ || !f) return end();
  auto inv = make_invocation(nullptr, served_->on_disconnected_handler(), "OnDisconnectedAsync");
  run_handler(
      inv, [f, error](hub_call& call) { return f(call, error), call_outcome{}; },
      [this](call_result) { end(); });  // an exception here has nobody left to tell
}

void connection_runtime::release_invocations() {
  queue_.reset();
  if (regs_) {
    // Only teardown() frees regs_, so it outlives the callbacks these run.
    auto streams = std::move(regs_->streams);
    regs_->streams.clear();
    for (auto& [id, inv] : streams) cancel(*inv);
    fail_pending_results();
    auto uploads = std::move(regs_->uploads);
    regs_->uploads.clear();
    for (auto& [id, up] : uploads) upload_completed(*up, std::string("The underlying connection was closed."));
  }
}

void connection_runtime::end() {
  // After on_disconnected's own sends and group changes (same sender, so the router sees them first).
  self_->send(router_, detach_atom::value, info().connection_id);
  teardown();
  self_->quit();
}

void connection_runtime::teardown() {
  // Breaks the reference cycles user callbacks may form (callback -> hub_call -> runtime -> callback).
  alive_ = false;
  current_.reset();
  queue_.reset();
  regs_.reset();
  held_.reset();
}

}  // namespace actorhub::detail
