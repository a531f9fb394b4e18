// invocation_state as the target sink of its hub_call: clients() and groups() of a running (or finished)
// invocation hand their work to the connection actor, from whichever thread the handler runs on.
#include "actors/connection/connection_runtime.hpp"

namespace actorhub::detail {

void invocation_state::send(send_target t, encoded_ptr m) {
  auto rt = lock();
  if (!rt) return;
  rt->in_actor(shared_from_this(), [rt, t = std::move(t), m = std::move(m)]() mutable {
    rt->route(std::move(t), std::move(m));
  });
}

void invocation_state::invoke(std::string connection_id, client_invocation inv,
                              std::function<void(client_result)> cb) {
  auto rt = lock();
  auto self = shared_from_this();
  if (!rt || !rt->in_actor(self, [rt, self, id = std::move(connection_id), inv = std::move(inv), cb]() mutable {
        rt->invoke_client(std::move(id), std::move(inv), std::move(cb), self);
      }))
    cb(client_result::failure(client_result::status::disconnected, "Connection disconnected."));
}

void invocation_state::change_group(bool add, std::string connection_id, std::string group,
                                    std::function<void()> done) {
  auto rt = lock();
  if (!rt) return;
  auto self = shared_from_this();
  rt->in_actor(self, [rt, self, add, id = std::move(connection_id), g = std::move(group), done]() mutable {
    rt->change_group(add, std::move(id), std::move(g), std::move(done), self);
  });
}

void invocation_state::query(presence_query q, std::function<void(presence_result)> done) {
  auto rt = lock();
  if (!rt) return;
  auto self = shared_from_this();
  rt->in_actor(self, [rt, self, q = std::move(q), done = std::move(done)]() mutable {
    rt->ask_presence(std::move(q), std::move(done), self);
  });
}

std::chrono::milliseconds invocation_state::default_timeout() const {
  if (auto rt = lock()) return rt->definition().options().client_result_timeout;
  return hub_options{}.client_result_timeout;
}

std::optional<std::string> invocation_state::caller() const {
  if (auto rt = lock()) return rt->info().connection_id;
  return std::nullopt;
}

}  // namespace actorhub::detail
