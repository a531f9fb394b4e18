// Client results in the connection actor: as the caller (a hub method invokes a client method through the
// router and waits for its answer) and as the target (this connection's client is asked and answers).
#include "actors/connection/connection_runtime.hpp"

#include <caf/actor_cast.hpp>

#include "actors/connection/client_result_errors.hpp"

namespace actorhub::detail {

// -- as the caller ------------------------------------------------------------------------------------------

void connection_runtime::invoke_client(std::string connection_id, client_invocation inv,
                                       std::function<void(client_result)> cb,
                                       const std::shared_ptr<invocation_state>& owner) {
  std::weak_ptr<invocation_state> weak_owner = owner;
  auto answer = [this, weak_owner, cb](client_result r) { guarded(weak_owner, [&] { cb(std::move(r)); }); };
  if (!alive_ || closed()) return answer(client_result::failure(client_result::status::disconnected,
                                                                "Connection disconnected."));
  // The target's own timer answers first with `timeout`; this one only covers a lost answer.
  auto timeout = inv.timeout + std::chrono::seconds(1);
  self_->request(router_, timeout, invoke_atom::value, std::move(connection_id), std::move(inv))
      .then([answer](client_result& r) mutable { answer(std::move(r)); },
            [answer](caf::error& e) mutable { answer(client_result_from(e)); });
}

// -- presence (also a question to the router that waits for its answer) ---------------------------------------

void connection_runtime::ask_presence(presence_query q, std::function<void(presence_result)> done,
                                      const std::shared_ptr<invocation_state>& owner) {
  std::weak_ptr<invocation_state> weak_owner = owner;
  auto answer = [this, weak_owner, done](presence_result r) { guarded(weak_owner, [&] { done(std::move(r)); }); };
  self_->request(router_, std::chrono::seconds(10), presence_atom::value, std::move(q))
      .then([answer](presence_result& r) mutable { answer(std::move(r)); },
            [answer](caf::error&) mutable { answer(presence_result{}); });
}

// -- as the target --------------------------------------------------------------------------------------------

caf::result<client_result> connection_runtime::on_client_invocation(client_invocation& inv) {
  if (closed()) return client_result::failure(client_result::status::disconnected, "Connection disconnected.");
  // Server-chosen ids carry a prefix so they never collide with the client's own (numeric) stream ids.
  auto& r = regs();
  auto id = "r" + std::to_string(++r.next_result_id);
  auto rp = self_->make_response_promise<client_result>();
  r.results.emplace(id, rp);
  write(encode(invocation_message{{}, id, std::move(inv.target), std::move(inv.arguments), {}}));
  self_->delayed_send(caf::actor_cast<caf::actor>(self_), inv.timeout, expire_atom::value, id);
  return rp;
}

void connection_runtime::on_completion(completion_message& m) {
  if (!regs_) return;
  auto r = regs_->results.find(m.invocation_id);
  if (r == regs_->results.end()) return complete_upload(m);
  auto rp = r->second;
  regs_->results.erase(r);
  if (m.error)
    rp.deliver(client_result::failure(client_result::status::error, std::move(*m.error)));
  else
    rp.deliver(client_result{client_result::status::ok, m.result ? std::move(*m.result) : value{}, {}});
}

void connection_runtime::on_result_expired(const std::string& id) {
  if (!regs_) return;
  auto i = regs_->results.find(id);
  if (i == regs_->results.end()) return;
  auto rp = i->second;
  regs_->results.erase(i);
  rp.deliver(client_result::failure(client_result::status::timeout, "Client result timed out."));
}

void connection_runtime::fail_pending_results() {
  auto results = std::move(regs_->results);
  regs_->results.clear();
  for (auto& [id, rp] : results)
    rp.deliver(client_result::failure(client_result::status::disconnected, "Connection disconnected."));
}

}  // namespace actorhub::detail
