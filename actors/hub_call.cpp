// hub_call and the handles hub methods get (deferred, stream_writer, incoming_stream): thin views onto the
// connection runtime. Each operation runs in the connection's actor: at once when the caller is that actor,
// else as a message to it (connection_runtime::in_actor), so handlers on the blocking pool and callbacks on
// the application's own threads may use them too.
#include <actorhub/hub_call.hpp>

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include <actorhub/deferred.hpp>
#include <actorhub/incoming_stream.hpp>
#include <actorhub/stream_writer.hpp>
#include "actors/connection/connection_runtime.hpp"

namespace actorhub {

namespace {

// Runs `f(rt)` in the connection actor of `inv`; false when the connection is gone.
template <class F>
bool in_actor_of(const std::shared_ptr<detail::invocation_state>& inv, F&& f) {
  if (!inv) return false;
  auto rt = inv->lock();
  if (!rt) return false;
  return rt->in_actor(inv, [rt, f = std::forward<F>(f)]() mutable { f(*rt); });
}

}  // namespace

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
const std::string& hub_call::method() const noexcept {
  static const std::string none;
  return inv_->method ? inv_->method_name : none;
}
const std::optional<std::string>& hub_call::invocation_id() const noexcept { return inv_->id; }

hub_clients hub_call::clients() const { return hub_clients(inv_); }
group_manager hub_call::groups() const { return group_manager(inv_); }
presence hub_call::presence() const { return actorhub::presence(inv_); }

deferred hub_call::defer() {
  in_actor_of(inv_, [inv = inv_](detail::connection_runtime&) { inv->deferred = true; });
  return deferred(inv_);
}

void hub_call::after(std::chrono::milliseconds delay, std::function<void()> f) const {
  in_actor_of(inv_, [inv = inv_, delay, f = std::move(f)](detail::connection_runtime& rt) mutable {
    rt.after(inv, delay, std::move(f));
  });
}

connection_executor hub_call::executor() const { return connection_executor(rt_->address()); }

caf::event_based_actor* hub_call::self() const noexcept { return rt_->self(); }

void hub_call::abort(std::optional<std::string> error) const { rt_->connection()->close(std::move(error)); }

// -- deferred -------------------------------------------------------------------------------------------------

void deferred::resolve() const {
  in_actor_of(inv_, [inv = inv_](detail::connection_runtime& rt) {
    if (!rt.closed()) rt.finish(*inv, std::nullopt, std::nullopt);
  });
}

void deferred::resolve_value(value v) const {
  in_actor_of(inv_, [inv = inv_, v = std::move(v)](detail::connection_runtime& rt) mutable {
    if (!rt.closed()) rt.finish(*inv, std::nullopt, std::move(v));
  });
}

void deferred::fail(std::exception_ptr e) const {
  in_actor_of(inv_, [inv = inv_, e](detail::connection_runtime& rt) {
    if (!rt.closed()) rt.fail(*inv, e);
  });
}

bool deferred::pending() const noexcept {
  if (!inv_ || inv_->finished) return false;
  auto rt = inv_->lock();
  return rt && !rt->closed();
}

// -- stream_writer --------------------------------------------------------------------------------------------

bool stream_writer::write_value(value item) const {
  if (done()) return false;
  return in_actor_of(inv_, [inv = inv_, item = std::move(item)](detail::connection_runtime& rt) mutable {
    if (!inv->finished && !rt.closed()) rt.write(encode(stream_item_message{{}, *inv->id, std::move(item)}));
  });
}

void stream_writer::complete() const {
  in_actor_of(inv_, [inv = inv_](detail::connection_runtime& rt) {
    if (!rt.closed()) rt.finish(*inv, std::nullopt, std::nullopt);
  });
}

void stream_writer::fail(std::exception_ptr e) const {
  in_actor_of(inv_, [inv = inv_, e](detail::connection_runtime& rt) {
    if (!rt.closed()) rt.fail(*inv, e);
  });
}

void stream_writer::on_cancel(std::function<void()> f) const {
  in_actor_of(inv_, [inv = inv_, f = std::move(f)](detail::connection_runtime&) mutable {
    if (!inv->finished) inv->on_cancel.push_back(std::move(f));
  });
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

namespace detail {

namespace {

template <class F>
void in_actor_of_upload(const std::shared_ptr<upload_state>& s, F&& f) {
  if (!s) return;
  auto rt = s->runtime.lock();
  if (!rt) return;
  rt->in_actor(s->owner.lock(), [rt, s, f = std::forward<F>(f)]() mutable { f(*rt, *s); });
}

}  // namespace

void attach_items(const std::shared_ptr<upload_state>& s, std::function<void(value)> f) {
  in_actor_of_upload(s, [f = std::move(f)](connection_runtime& rt, upload_state& up) mutable {
    rt.attach_item_handler(up, std::move(f));
  });
}

void attach_completion(const std::shared_ptr<upload_state>& s,
                       std::function<void(const std::optional<std::string>&)> f) {
  in_actor_of_upload(s, [f = std::move(f)](connection_runtime& rt, upload_state& up) mutable {
    rt.attach_completion_handler(up, std::move(f));
  });
}

bool upload_completed(const std::shared_ptr<upload_state>& s) noexcept { return !s || s->completed; }

const std::string& upload_id(const std::shared_ptr<upload_state>& s) noexcept {
  static const std::string none;
  return s ? s->id : none;
}

}  // namespace detail

}  // namespace actorhub
