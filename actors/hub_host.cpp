// hub_endpoint for the hub layer: connection actors in, transport events as actor messages.
#include "actors/hub_host.hpp"

#include "caf/actor_system.hpp"
#include "caf/send.hpp"

#include "actors/connection/connection_actor.hpp"
#include "actors/caf_internals/inline_unit.hpp"
#include "actors/caf_internals/tracked_actor.hpp"
#include "actors/connection/messages.hpp"
#include "actors/routing/local_router.hpp"

namespace actorhub {

namespace {

class connection_inbound : public hub_inbound {
 public:
  connection_inbound(caf::actor_system& sys, caf::actor actor, hub_connection_ptr conn,
                     const served_hub& served, bool inline_dispatch)
      : sys_(sys),
        actor_(std::move(actor)),
        conn_(std::move(conn)),
        inflight_(detail::inflight_batches(actor_)),
        max_(served.limits.max_inflight_batches),
        inline_(inline_dispatch) {}

  ~connection_inbound() override {
    // A transport that forgot on_closed must not leave the connection registered forever.
    if (!closed_) caf::anon_send(actor_, closed_atom::value, false, std::string());
  }

  void on_messages(std::vector<hub_message>&& batch) override {
    if (closed_ || batch.empty()) return;
    // The actor's mailbox is bounded by closing a connection that floods it faster than it is served.
    if (inflight_.fetch_add(1, std::memory_order_relaxed) >= max_) {
      inflight_.fetch_sub(1, std::memory_order_relaxed);
      conn_->close(std::string("The server cannot process messages this fast."));
      return;
    }
    deliver(caf::make_message(detail::inbound_batch{std::move(batch)}));
  }

  // The connection lives on elsewhere: the actor ends without a word to the hub.
  void moved() {
    if (closed_) return;
    closed_ = true;
    caf::anon_send(actor_, moved_atom::value);
  }

  void on_closed(std::optional<std::string> error) override {
    if (closed_) return;
    closed_ = true;
    auto msg = caf::make_message(closed_atom::value, error.has_value(), error.value_or(std::string()));
    // OnDisconnectedAsync and the router's detach as one chain on this thread (see hub_host::start).
    if (inline_) {
      caf_internals::inline_unit::local(sys_).deliver_chain(actor_, std::move(msg));
    } else {
      caf_internals::enqueue_plain(actor_, std::move(msg));
    }
  }

 private:
  void deliver(caf::message msg) {
    if (inline_) {
      caf_internals::inline_unit::local(sys_).deliver(actor_, std::move(msg));
    } else {
      caf_internals::enqueue_plain(actor_, std::move(msg));
    }
  }

  caf::actor_system& sys_;
  caf::actor actor_;
  hub_connection_ptr conn_;
  std::atomic<std::uint32_t>& inflight_;  // in the actor, which actor_ keeps alive
  std::size_t max_;
  bool inline_;
  bool closed_ = false;  // on_messages/on_closed are never concurrent for one connection
};

}  // namespace

hub_host::hub_host(caf::actor_system& sys, std::shared_ptr<const served_hub> served, bool inline_dispatch,
                   const router_factory& make_router)
    : sys_(sys),
      served_(std::move(served)),
      inline_dispatch_(inline_dispatch),
      router_(make_router ? make_router(sys, definition().name()) : spawn_local_router(sys, definition().name())) {}

hub_host::~hub_host() { shutdown(); }

bool hub_host::requires_authentication() const noexcept { return definition().options().require_authentication; }

std::unique_ptr<hub_inbound> hub_host::connect(hub_connection_ptr conn) { return start(std::move(conn), false); }

std::unique_ptr<hub_inbound> hub_host::resume(hub_connection_ptr conn) { return start(std::move(conn), true); }

std::unique_ptr<hub_inbound> hub_host::start(hub_connection_ptr conn, bool resumed) {
  if (!inline_dispatch_) {
    auto actor = detail::spawn_connection_actor(sys_, served_, router_, conn, resumed);
    return std::make_unique<connection_inbound>(sys_, std::move(actor), std::move(conn), *served_, false);
  }
  // The spawn, the router's attach and the connection actor's first turn (OnConnectedAsync) as one chain on
  // the calling (I/O) thread: no scheduler thread is woken to set a connection up.
  auto& unit = caf_internals::inline_unit::local(sys_);
  std::unique_ptr<hub_inbound> inbound;
  unit.run_chain([&] {
    auto actor = detail::spawn_connection_actor(sys_, served_, router_, conn, resumed, &unit);
    inbound = std::make_unique<connection_inbound>(sys_, std::move(actor), conn, *served_, true);
  });
  return inbound;
}

void hub_host::retire_moved(std::unique_ptr<hub_inbound> receiver) {
  if (auto* c = dynamic_cast<connection_inbound*>(receiver.get())) c->moved();
}

hub_context hub_host::context() const {
  return hub_context(make_context_sink(sys_, router_, definition().options().client_result_timeout),
                     definition().name());
}

void hub_host::shutdown() {
  if (stopped_.exchange(true)) return;
  caf::anon_send(router_, shutdown_atom::value);
}

}  // namespace actorhub
