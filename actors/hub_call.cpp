// hub_call and the handles hub methods get (deferred, stream_writer, incoming_stream): thin views onto the
// connection runtime, valid in the connection's actor.
#include <actorhub/hub_call.hpp>

#include "caf/actor_cast.hpp"
#include "caf/send.hpp"

#include <actorhub/deferred.hpp>
#include "actors/detail/connection.hpp"
#include <actorhub/incoming_stream.hpp>
#include <actorhub/stream_writer.hpp>

namespace actorhub {

// -- connection_executor --------------------------------------------------------------------------------------

bool connection_executor::post(std::function<void()> f) const {
  auto strong = caf::actor_cast<caf::actor>(actor_);
  if (!strong) return false;
  caf::anon_send(strong, post_atom::value, detail::scheduled_call{std::move(f), {}});
  return true;
}

// -- hub_call -------------------------------------------------------------------------------------------------

hub_call::hub_call(std::shared_ptr<detail::connection_runtime> rt, std::shared_ptr<detail::invocation_state> inv)
    : rt_(std::move(rt)), inv_(std::move(inv)) {}

const std::string& hub_call::connection_id() const noexcept { return rt_->info().connection_id; }
const std::string& hub_call::user_id() const noexcept { return rt_->info().user_id; }
const connection_info& hub_call::info() const noexcept { return rt_->info(); }
const std::string& hub_call::hub_name() const noexcept { return rt_->definition().name(); }
const std::string& hub_call::method() const noexcept { return inv_->method_name; }
const std::optional<std::string>& hub_call::invocation_id() const noexcept { return inv_->id; }

hub_clients hub_call::clients() const { return hub_clients(inv_); }
group_manager hub_call::groups() const { return group_manager(inv_); }

deferred hub_call::defer() {
  inv_->deferred = true;
  return deferred(inv_);
}

void hub_call::after(std::chrono::milliseconds delay, std::function<void()> f) const {
  rt_->after(inv_, delay, std::move(f));
}

connection_executor hub_call::executor() const {
  auto self = rt_->self();
  if (!self) return {};
  return connection_executor(self->address());
}

caf::event_based_actor* hub_call::self() const noexcept { return rt_->self(); }

void hub_call::abort(std::optional<std::string> error) const { rt_->connection()->close(std::move(error)); }

// -- deferred -------------------------------------------------------------------------------------------------

void deferred::resolve() const {
  if (!inv_) return;
  if (auto rt = inv_->lock(); rt && !rt->closed()) rt->finish(*inv_, std::nullopt, std::nullopt);
}

void deferred::resolve_value(value v) const {
  if (!inv_) return;
  if (auto rt = inv_->lock(); rt && !rt->closed()) rt->finish(*inv_, std::nullopt, std::move(v));
}

void deferred::fail(std::exception_ptr e) const {
  if (!inv_) return;
  if (auto rt = inv_->lock(); rt && !rt->closed()) rt->fail(*inv_, e);
}

bool deferred::pending() const noexcept {
  if (!inv_ || inv_->finished) return false;
  auto rt = inv_->lock();
  return rt && !rt->closed();
}

// -- stream_writer --------------------------------------------------------------------------------------------

bool stream_writer::write_value(value item) const {
  if (!inv_ || inv_->finished) return false;
  auto rt = inv_->lock();
  if (!rt || rt->closed()) return false;
  rt->write(encode(stream_item_message{{}, *inv_->id, std::move(item)}));
  return true;
}

void stream_writer::complete() const {
  if (!inv_) return;
  if (auto rt = inv_->lock(); rt && !rt->closed()) rt->finish(*inv_, std::nullopt, std::nullopt);
}

void stream_writer::fail(std::exception_ptr e) const {
  if (!inv_) return;
  if (auto rt = inv_->lock(); rt && !rt->closed()) rt->fail(*inv_, e);
}

void stream_writer::on_cancel(std::function<void()> f) const {
  if (inv_ && !inv_->finished) inv_->on_cancel.push_back(std::move(f));
}

bool stream_writer::cancelled() const noexcept { return inv_ && inv_->cancelled; }

bool stream_writer::done() const noexcept {
  if (!inv_ || inv_->finished) return true;
  auto rt = inv_->lock();
  return !rt || rt->closed();
}

const std::string& stream_writer::invocation_id() const noexcept {
  static const std::string none;
  return inv_ && inv_->id ? *inv_->id : none;
}

// -- incoming_stream ------------------------------------------------------------------------------------------

void incoming_stream::on_item(item_handler f) const {
  if (!state_) return;
  if (auto rt = state_->runtime.lock()) rt->attach_item_handler(*state_, std::move(f));
}

void incoming_stream::on_complete(completion_handler f) const {
  if (!state_) return;
  if (auto rt = state_->runtime.lock()) rt->attach_completion_handler(*state_, std::move(f));
}

bool incoming_stream::completed() const noexcept { return !state_ || state_->completed; }

const std::string& incoming_stream::stream_id() const noexcept {
  static const std::string none;
  return state_ ? state_->id : none;
}

}  // namespace actorhub
