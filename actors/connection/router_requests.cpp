// The connection actor's requests to the router, and the order of its own writes. Sends and group changes
// go to the router as requests; until every one of them is acknowledged, writes to this connection (its
// Completions, sends to the caller alone, stream items) wait here. So the connection gets everything it
// caused in the order it caused it (a broadcast it sent arrives before the Completion of the method that sent
// it), while nothing waits for another process: a router acknowledges once it handed a message to delivery.
#include "actors/connection/connection_runtime.hpp"

namespace actorhub::detail {

namespace {

// Writes held back while router requests are pending. Only a handler writing this much synchronously gets
// here; the transport's own bound would close the connection for far less.
constexpr std::size_t max_held_writes = 65536;

}  // namespace

void connection_runtime::write(const encoded_ptr& m) {
  if (closed()) return;
  if (router_pending_ == 0) {
    conn_->send(m);
    return;
  }
  if (!held_) held_ = std::make_unique<std::vector<encoded_ptr>>();
  if (held_->size() >= max_held_writes) return protocol_failure("The server cannot send this fast.");
  held_->push_back(m);
}

void connection_runtime::router_request_done() {
  if (--router_pending_ > 0 || !held_) return;
  auto held = std::move(held_);
  if (closed()) return;
  for (auto& m : *held) conn_->send(m);
}

void connection_runtime::route(send_target t, encoded_ptr m) {
  // The caller alone: its own queue, in order with what waits for the router.
  if (t.what == send_target::kind::connections && t.names.size() == 1 && t.excluded.empty() &&
      t.names.front() == info().connection_id)
    return write(m);
  ++router_pending_;
  self_->request(router_, caf::infinite, send_atom::value, std::move(t), std::move(m))
      .then([this](ok_atom) { router_request_done(); }, [this](caf::error&) { router_request_done(); });
}

void connection_runtime::change_group(bool join, std::string connection_id, std::string group,
                                      std::function<void()> done, const std::shared_ptr<invocation_state>& owner) {
  ++router_pending_;
  auto on_done = [this, weak = std::weak_ptr<invocation_state>(owner), done = std::move(done)] {
    router_request_done();
    if (done) guarded(weak, done);
  };
  self_->request(router_, caf::infinite, group_atom::value, join, std::move(connection_id), std::move(group))
      .then([on_done](ok_atom) { on_done(); }, [on_done](caf::error&) { on_done(); });
}

}  // namespace actorhub::detail
