// The connection actor's logic: ordered invocations, completions that wait for the invocation's sends and
// group changes, and the connection's end.
#include "actors/detail/connection.hpp"

#include <utility>

#include "caf/actor_cast.hpp"
#include "caf/send.hpp"

#include "actors/detail/connection_actor.hpp"

namespace actorhub::detail {

namespace {

using clock_type = std::chrono::steady_clock;

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

}  // namespace

connection_runtime::connection_runtime(caf::event_based_actor* self, std::shared_ptr<const served_hub> served,
                                       router_actor router, hub_connection_ptr conn,
                                       std::shared_ptr<std::atomic<std::size_t>> inflight)
    : self_(self),
      served_(std::move(served)),
      router_(std::move(router)),
      conn_(std::move(conn)),
      inflight_(std::move(inflight)) {}

connection_runtime::registries& connection_runtime::regs() {
  if (!regs_) regs_ = std::make_unique<registries>();
  return *regs_;
}

// -- lifecycle ------------------------------------------------------------------------------------------------

void connection_runtime::start() {
  // on_connected is a pseudo-invocation at the head of the queue: later invocations wait for it, and it waits
  // for the registration (so its sends may already reach this connection).
  auto inv = std::make_shared<invocation_state>();
  inv->runtime = weak_from_this();
  inv->blocks_queue = true;
  inv->started = clock_type::now();
  inv->pending_ops = 1;
  current_ = inv;
  connection_entry entry{info().connection_id, info().user_id, conn_, caf::actor_cast<caf::actor>(self_)};
  self_->request(router_, caf::infinite, attach_atom::value, std::move(entry)).then([this, inv](ok_atom) {
    if (closed_) return;
    connected_ran_ = true;
    if (auto& f = definition().connected()) {
      hub_call call(shared_from_this(), inv);
      try {
        f(call);
      } catch (...) {
        connected_ran_ = false;
        auto text = error_text::closed_with_error(std::current_exception(), definition().options().detailed_errors);
        protocol_failure(text);
        return;
      }
    }
    if (!inv->deferred) finish(*inv, std::nullopt, std::nullopt);
    op_done(*inv);
  }, [this](caf::error&) {
    // The router is gone: the hub is shutting down.
    if (!closed_) protocol_failure("Server is shutting down.");
  });
}

void connection_runtime::on_closed(std::optional<std::string> error) {
  if (closed_) return;
  closed_ = true;
  queue_.reset();
  if (regs_) {
    // Only teardown() frees regs_, so it outlives the callbacks these run.
    auto streams = std::move(regs_->streams);
    regs_->streams.clear();
    for (auto& [id, inv] : streams) cancel(*inv);
    auto results = std::move(regs_->results);
    regs_->results.clear();
    for (auto& [id, rp] : results)
      rp.deliver(client_result::failure(client_result::status::disconnected, "Connection disconnected."));
    auto uploads = std::move(regs_->uploads);
    regs_->uploads.clear();
    for (auto& [id, up] : uploads) upload_completed(*up, std::string("The underlying connection was closed."));
  }
  if (connected_ran_) {
    if (auto& f = definition().disconnected()) {
      auto inv = std::make_shared<invocation_state>();
      inv->runtime = weak_from_this();
      hub_call call(shared_from_this(), inv);
      try {
        f(call, error);
      } catch (...) {
        // Nobody is left to tell.
      }
    }
  }
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
}

void connection_runtime::protocol_failure(const std::string& error) {
  conn_->close(error);
  on_closed(error);
}

// -- inbound messages ---------------------------------------------------------------------------------------

void connection_runtime::on_batch(std::vector<hub_message>& batch) {
  inflight_->fetch_sub(1, std::memory_order_relaxed);
  for (auto& m : batch) {
    if (closed_) return;
    std::visit(overloaded{
                   [this](invocation_message& x) {
                     enqueue({false, std::move(x.invocation_id), std::move(x.target), std::move(x.arguments),
                              std::move(x.stream_ids), {}});
                   },
                   [this](stream_invocation_message& x) {
                     enqueue({true, std::move(x.invocation_id), std::move(x.target), std::move(x.arguments),
                              std::move(x.stream_ids), {}});
                   },
                   [this](stream_item_message& x) { on_stream_item(x); },
                   [this](completion_message& x) { on_completion(x); },
                   [this](cancel_invocation_message& x) { on_cancel_invocation(x); },
                   [](auto&) {
                     // Ping, Close, Ack and Sequence belong to the transport.
                   },
               },
               m);
  }
}

void connection_runtime::enqueue(queued_invocation q) {
  if ((queue_ ? queue_->size() : 0) >= limits().max_queued_invocations) {
    protocol_failure("Too many invocations are waiting on this connection.");
    return;
  }
  // Client-to-server streams exist from the moment their invocation arrives: their items may come before
  // the invocation starts (it can wait behind another one).
  for (auto& sid : q.stream_ids) {
    auto up = std::make_shared<upload_state>();
    up->id = sid;
    up->runtime = weak_from_this();
    regs().uploads.emplace(sid, up);  // a reused id keeps the first stream; the new one sees no items
    q.uploads.push_back(std::move(up));
  }
  if (!current_ && !pumping_ && queue_empty()) {
    // What pump() would do with a queue of one, without allocating the queue.
    pumping_ = true;
    begin(q);
    pumping_ = false;
    return;
  }
  if (!queue_) queue_ = std::make_unique<std::list<queued_invocation>>();
  queue_->push_back(std::move(q));
  pump();
}

void connection_runtime::pump() {
  if (pumping_) return;
  pumping_ = true;
  while (!current_ && !closed_ && !queue_empty()) {
    auto q = std::move(queue_->front());
    queue_->pop_front();
    begin(q);
  }
  if (queue_ && queue_->empty()) queue_.reset();
  pumping_ = false;
}

void connection_runtime::reject(const queued_invocation& q, std::string error) {
  if (regs_)
    for (auto& up : q.uploads) {
      auto i = regs_->uploads.find(up->id);
      if (i != regs_->uploads.end() && i->second == up) regs_->uploads.erase(i);
    }
  if (q.id) write(encode(completion_message{{}, *q.id, std::move(error), std::nullopt}));
}

void connection_runtime::begin(queued_invocation& q) {
  const bool detailed = definition().options().detailed_errors;
  const auto* m = definition().find(q.target);
  if (!m) return reject(q, error_text::method_does_not_exist(q.target));
  if (q.arguments.size() != m->arg_count)
    return reject(q, error_text::failed_to_invoke(q.target, "InvalidDataException",
                                                  "Invocation provides " + std::to_string(q.arguments.size()) +
                                                      " argument(s) but target expects " +
                                                      std::to_string(m->arg_count) + ".",
                                                  detailed));
  if (q.stream_ids.size() != m->stream_count)
    return reject(q, error_text::failed_to_invoke(q.target, "InvalidDataException",
                                                  "Client sent " + std::to_string(q.stream_ids.size()) +
                                                      " stream(s), Hub method expects " +
                                                      std::to_string(m->stream_count) + ".",
                                                  detailed));
  if (m->streaming && !q.stream_invocation) return reject(q, error_text::streaming_with_invocation(q.target));
  if (!m->streaming && q.stream_invocation) return reject(q, error_text::non_streaming_with_stream(q.target));

  auto inv = std::make_shared<invocation_state>();
  inv->runtime = weak_from_this();
  inv->method = m;
  inv->method_name = q.target;
  inv->id = q.id;
  inv->streaming = m->streaming;
  inv->blocks_queue = !m->streaming;
  inv->started = clock_type::now();
  if (m->streaming) {
    auto& streams = regs().streams;
    if (streams.size() >= limits().max_streams)
      return reject(q, "Too many streams are open on this connection.");
    if (!streams.emplace(*q.id, inv).second)
      return reject(q, "Invocation ID '" + *q.id + "' is already in use.");
  }
  std::vector<incoming_stream> ins;
  ins.reserve(q.uploads.size());
  for (auto& up : q.uploads) {
    up->owner = inv;
    up->started = true;
    ins.emplace_back(up);
  }
  if (inv->blocks_queue) current_ = inv;

  hub_call call(shared_from_this(), inv);
  stream_writer writer(inv);
  call_outcome out;
  try {
    out = m->invoke(call, q.arguments, ins, m->streaming ? &writer : nullptr);
  } catch (...) {
    fail(*inv, std::current_exception());
    return;
  }
  if (!m->streaming) {
    switch (out.what) {
      case call_outcome::kind::none:
        if (!inv->deferred) finish(*inv, std::nullopt, std::nullopt);
        break;
      case call_outcome::kind::result:
        finish(*inv, std::nullopt, std::move(out.result));
        break;
      case call_outcome::kind::deferred:
        inv->deferred = true;
        break;
    }
  }
  // Client streams that already ended with an error before the method could look at them.
  for (auto& up : q.uploads)
    if (up->completed) apply_upload_error(*up);
}

// -- completions ----------------------------------------------------------------------------------------------

void connection_runtime::finish(invocation_state& inv, std::optional<std::string> error,
                                std::optional<value> result) {
  if (inv.finished) return;
  inv.finished = true;
  inv.error = std::move(error);
  inv.result = std::move(result);
  inv.on_cancel.clear();
  try_emit(inv);
}

void connection_runtime::fail(invocation_state& inv, std::exception_ptr e) {
  if (inv.finished) return;
  finish(inv, error_text::from_exception(inv.method_name, e, definition().options().detailed_errors), std::nullopt);
}

void connection_runtime::op_done(invocation_state& inv) {
  if (inv.pending_ops > 0) --inv.pending_ops;
  try_emit(inv);
}

void connection_runtime::try_emit(invocation_state& inv) {
  if (inv.emitted || !inv.finished || inv.pending_ops > 0) return;
  inv.emitted = true;
  auto keep = inv.shared_from_this();  // the registries below may hold the last reference
  if (inv.method && inv.method->observe_duration)
    inv.method->observe_duration(std::chrono::duration<double>(clock_type::now() - inv.started).count());
  if (inv.id && !closed_)
    write(encode(completion_message{{}, *inv.id, std::move(inv.error), std::move(inv.result)}));
  if (inv.streaming && inv.id && regs_) {
    auto i = regs_->streams.find(*inv.id);
    if (i != regs_->streams.end() && i->second.get() == &inv) regs_->streams.erase(i);
  }
  // on_connected (the invocation without a method) is done, and with it the attach request and any request of
  // its own: most connections make no further one, so CAF's table for them needs no capacity.
  if (!inv.method && alive_) release_response_table(self_);
  if (inv.blocks_queue && current_.get() == &inv) {
    current_.reset();
    pump();
  }
}

void connection_runtime::write(const encoded_ptr& m) {
  if (!closed_) conn_->send(m);
}

// -- streams ------------------------------------------------------------------------------------------------

void connection_runtime::cancel(invocation_state& inv) {
  if (inv.finished) return;
  auto keep = inv.shared_from_this();
  inv.cancelled = true;
  auto callbacks = std::move(inv.on_cancel);
  inv.on_cancel.clear();
  for (auto& f : callbacks) {
    try {
      f();
    } catch (...) {
      // The stream ends either way.
    }
  }
  // Like ASP.NET Core: a cancelled stream still gets its (empty) Completion.
  finish(inv, std::nullopt, std::nullopt);
}

void connection_runtime::on_cancel_invocation(const cancel_invocation_message& m) {
  if (regs_)
    if (auto i = regs_->streams.find(m.invocation_id); i != regs_->streams.end()) {
      auto inv = i->second;
      cancel(*inv);
      return;
    }
  // A stream still waiting in the queue never starts.
  if (!queue_) return;
  for (auto q = queue_->begin(); q != queue_->end(); ++q) {
    if (q->stream_invocation && q->id == m.invocation_id) {
      auto waiting = std::move(*q);
      queue_->erase(q);
      if (queue_->empty()) queue_.reset();
      if (regs_)
        for (auto& up : waiting.uploads) {
          auto u = regs_->uploads.find(up->id);
          if (u != regs_->uploads.end() && u->second == up) regs_->uploads.erase(u);
        }
      write(encode(completion_message{{}, m.invocation_id, std::nullopt, std::nullopt}));
      return;
    }
  }
  // Unknown, finished, or not a stream: ignored.
}

void connection_runtime::on_stream_item(stream_item_message& m) {
  if (!regs_) return;
  auto i = regs_->uploads.find(m.invocation_id);
  if (i == regs_->uploads.end()) return;
  auto up = i->second;
  if (up->on_item) {
    guarded(up->owner, [&] { up->on_item(std::move(m.item)); });
    return;
  }
  auto owner = up->owner.lock();
  if (up->started && (!owner || owner->finished)) return;  // nobody will read it
  if (up->buffered.size() >= limits().max_buffered_stream_items) {
    protocol_failure("Client stream '" + up->id + "' sent more items than the server buffers.");
    return;
  }
  up->buffered.push_back(std::move(m.item));
}

void connection_runtime::on_completion(completion_message& m) {
  if (!regs_) return;
  if (auto r = regs_->results.find(m.invocation_id); r != regs_->results.end()) {
    auto rp = r->second;
    regs_->results.erase(r);
    if (m.error)
      rp.deliver(client_result::failure(client_result::status::error, std::move(*m.error)));
    else
      rp.deliver(client_result{client_result::status::ok, m.result ? std::move(*m.result) : value{}, {}});
    return;
  }
  if (auto u = regs_->uploads.find(m.invocation_id); u != regs_->uploads.end()) {
    auto up = u->second;
    regs_->uploads.erase(u);
    upload_completed(*up, m.error);
  }
}

void connection_runtime::upload_completed(upload_state& up, const std::optional<std::string>& error) {
  if (up.completed) return;
  up.completed = true;
  up.completion = error;
  up.on_item = nullptr;
  if (up.on_complete) {
    auto f = std::move(up.on_complete);
    up.on_complete = nullptr;
    guarded(up.owner, [&] { f(error); });
    apply_upload_error(up);
  } else if (up.started) {
    apply_upload_error(up);
  }
}

void connection_runtime::apply_upload_error(upload_state& up) {
  if (!up.completion || !*up.completion) return;
  auto inv = up.owner.lock();
  if (inv && !inv->finished) finish(*inv, error_text::hub_error(inv->method_name, **up.completion), std::nullopt);
}

void connection_runtime::attach_item_handler(upload_state& up, std::function<void(value)> f) {
  if (up.completed) {
    // Completed already: hand over what was buffered, keep nothing.
    auto items = std::move(up.buffered);
    up.buffered.clear();
    for (auto& x : items) guarded(up.owner, [&] { f(std::move(x)); });
    return;
  }
  up.on_item = std::move(f);
  auto items = std::move(up.buffered);
  up.buffered.clear();
  for (auto& x : items) guarded(up.owner, [&] { up.on_item(std::move(x)); });
}

void connection_runtime::attach_completion_handler(upload_state& up,
                                                   std::function<void(const std::optional<std::string>&)> f) {
  if (!up.completed) {
    up.on_complete = std::move(f);
    return;
  }
  auto error = up.completion ? *up.completion : std::nullopt;
  guarded(up.owner, [&] { f(error); });
  apply_upload_error(up);
}

// -- work of hub methods -------------------------------------------------------------------------------------

void connection_runtime::guarded(const std::weak_ptr<invocation_state>& owner, const std::function<void()>& f) {
  try {
    f();
  } catch (...) {
    if (auto inv = owner.lock()) fail(*inv, std::current_exception());
  }
}

void connection_runtime::run_scheduled(scheduled_call& call) {
  if (!alive_ || closed_) return;
  guarded(call.owner, call.fn);
}

void connection_runtime::after(const std::shared_ptr<invocation_state>& owner, std::chrono::milliseconds delay,
                               std::function<void()> f) {
  if (!alive_ || closed_) return;
  self_->delayed_send(caf::actor_cast<caf::actor>(self_), delay, timer_atom::value,
                      scheduled_call{std::move(f), owner});
}

void connection_runtime::route(invocation_state* tracker, send_target t, encoded_ptr m) {
  if (!alive_) {
    caf::anon_send(router_, send_atom::value, std::move(t), std::move(m));
    return;
  }
  // The caller alone: straight to its own queue, so it precedes this invocation's Completion.
  if (t.what == send_target::kind::connections && t.names.size() == 1 && t.excluded.empty() &&
      t.names.front() == info().connection_id) {
    write(m);
    return;
  }
  if (tracker && !tracker->emitted && !closed_) {
    ++tracker->pending_ops;
    auto keep = tracker->shared_from_this();
    self_->request(router_, caf::infinite, send_atom::value, std::move(t), std::move(m))
        .then([this, keep](ok_atom) { op_done(*keep); }, [this, keep](caf::error&) { op_done(*keep); });
    return;
  }
  self_->send(router_, send_atom::value, std::move(t), std::move(m));
}

void connection_runtime::change_group(invocation_state* tracker, bool add, std::string connection_id,
                                      std::string group, std::function<void()> done) {
  const bool tracked = tracker && !tracker->emitted && !closed_;
  if (!alive_ || (!tracked && !done)) {
    if (add)
      caf::anon_send(router_, join_atom::value, std::move(connection_id), std::move(group));
    else
      caf::anon_send(router_, leave_atom::value, std::move(connection_id), std::move(group));
    return;
  }
  std::shared_ptr<invocation_state> keep;
  std::weak_ptr<invocation_state> owner;
  if (tracker) owner = tracker->shared_from_this();
  if (tracked) {
    keep = tracker->shared_from_this();
    ++keep->pending_ops;
  }
  auto on_done = [this, keep, owner, done = std::move(done)] {
    if (done) guarded(owner, done);
    if (keep) op_done(*keep);
  };
  auto on_error = [on_done](caf::error&) { on_done(); };
  if (add)
    self_->request(router_, caf::infinite, join_atom::value, std::move(connection_id), std::move(group))
        .then([on_done](ok_atom) { on_done(); }, on_error);
  else
    self_->request(router_, caf::infinite, leave_atom::value, std::move(connection_id), std::move(group))
        .then([on_done](ok_atom) { on_done(); }, on_error);
}

// -- client results ------------------------------------------------------------------------------------------

void connection_runtime::invoke_client(invocation_state* tracker, std::string connection_id,
                                       client_invocation inv, std::function<void(client_result)> cb) {
  if (!alive_ || closed_) {
    try {
      cb(client_result::failure(client_result::status::disconnected, "Connection disconnected."));
    } catch (...) {
    }
    return;
  }
  std::weak_ptr<invocation_state> owner;
  if (tracker) owner = tracker->shared_from_this();
  // The target's own timer answers first with `timeout`; this one only covers a lost answer.
  auto timeout = inv.timeout + std::chrono::seconds(1);
  self_->request(router_, timeout, invoke_atom::value, std::move(connection_id), std::move(inv))
      .then([this, owner, cb](client_result& r) { guarded(owner, [&] { cb(std::move(r)); }); },
            [this, owner, cb](caf::error& e) {
              auto r = e == caf::sec::request_timeout
                           ? client_result::failure(client_result::status::timeout, "Client result timed out.")
                           : client_result::failure(client_result::status::disconnected, caf::to_string(e));
              guarded(owner, [&] { cb(std::move(r)); });
            });
}

caf::result<client_result> connection_runtime::on_client_invocation(client_invocation& inv) {
  if (closed_) return client_result::failure(client_result::status::disconnected, "Connection disconnected.");
  // Server-chosen ids carry a prefix so they never collide with the client's own (numeric) stream ids.
  auto& r = regs();
  auto id = "r" + std::to_string(++r.next_result_id);
  auto rp = self_->make_response_promise<client_result>();
  r.results.emplace(id, rp);
  write(encode(invocation_message{{}, id, std::move(inv.target), std::move(inv.arguments), {}}));
  self_->delayed_send(caf::actor_cast<caf::actor>(self_), inv.timeout, expire_atom::value, id);
  return rp;
}

void connection_runtime::on_result_expired(const std::string& id) {
  if (!regs_) return;
  auto i = regs_->results.find(id);
  if (i == regs_->results.end()) return;
  auto rp = i->second;
  regs_->results.erase(i);
  rp.deliver(client_result::failure(client_result::status::timeout, "Client result timed out."));
}

// -- invocation_state as the sink of its hub_call ------------------------------------------------------------

void invocation_state::send(send_target t, encoded_ptr m) {
  if (auto rt = lock()) rt->route(this, std::move(t), std::move(m));
}

void invocation_state::invoke(std::string connection_id, client_invocation inv,
                              std::function<void(client_result)> cb) {
  if (auto rt = lock())
    rt->invoke_client(this, std::move(connection_id), std::move(inv), std::move(cb));
  else
    cb(client_result::failure(client_result::status::disconnected, "Connection disconnected."));
}

void invocation_state::change_group(bool add, std::string connection_id, std::string group,
                                    std::function<void()> done) {
  if (auto rt = lock()) rt->change_group(this, add, std::move(connection_id), std::move(group), std::move(done));
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
