// Invocations in the connection actor: the queue (one non-streaming invocation at a time, in arrival order),
// running each handler where its dispatch_policy says, and the Completions.
#include "actors/connection/connection_runtime.hpp"

#include <utility>

#include "actors/caf_internals/tracked_actor.hpp"

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

std::shared_ptr<invocation_state> connection_runtime::make_invocation(const method_entry* m, std::size_t handler,
                                                                      std::string name) {
  auto inv = std::make_shared<invocation_state>();
  inv->runtime = weak_from_this();
  inv->method = m;
  inv->handler = handler;
  inv->method_name = std::move(name);
  inv->started = clock_type::now();
  return inv;
}

// -- inbound messages ---------------------------------------------------------------------------------------

void connection_runtime::on_batch(std::vector<hub_message>& batch) {
  inflight_->fetch_sub(1, std::memory_order_relaxed);
  for (auto& m : batch) {
    if (closed()) return;
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

// -- the queue ------------------------------------------------------------------------------------------------

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
  while (!current_ && !closed() && !queue_empty()) {
    auto q = std::move(queue_->front());
    queue_->pop_front();
    begin(q);
  }
  if (queue_ && queue_->empty()) queue_.reset();
  pumping_ = false;
}

void connection_runtime::reject(const queued_invocation& q, std::string error) {
  forget_uploads(q.uploads);
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

  if (m->streaming) {
    auto& streams = regs().streams;
    if (streams.size() >= limits().max_streams) return reject(q, "Too many streams are open on this connection.");
    if (streams.count(*q.id)) return reject(q, "Invocation ID '" + *q.id + "' is already in use.");
  }
  auto inv = make_invocation(m, m->index, std::move(q.target));
  inv->id = std::move(q.id);
  inv->streaming = m->streaming;
  inv->blocks_queue = !m->streaming;
  if (m->streaming) regs_->streams.emplace(*inv->id, inv);
  std::vector<incoming_stream<>> ins;
  ins.reserve(q.uploads.size());
  for (auto& up : q.uploads) {
    up->owner = inv;
    up->started = true;
    ins.emplace_back(up);
  }
  if (inv->blocks_queue) current_ = inv;
  run_handler(
      inv,
      [m, inv, args = std::move(q.arguments), ins = std::move(ins)](hub_call& call) mutable {
        stream_writer writer(inv);
        return m->invoke(call, args, ins, m->streaming ? &writer : nullptr);
      },
      [this, inv, uploads = std::move(q.uploads)](call_result r) { complete_method(inv, std::move(r), uploads); });
}

void connection_runtime::complete_method(const std::shared_ptr<invocation_state>& inv, call_result r,
                                         const std::vector<std::shared_ptr<upload_state>>& uploads) {
  if (r.error) {
    fail(*inv, r.error);
  } else if (!inv->streaming) {
    switch (r.outcome.what) {
      case call_outcome::kind::none:
        if (!inv->deferred) finish(*inv, std::nullopt, std::nullopt);
        break;
      case call_outcome::kind::result:
        finish(*inv, std::nullopt, std::move(r.outcome.result));
        break;
      case call_outcome::kind::deferred:
        inv->deferred = true;
        break;
    }
  }
  // Client streams that already ended with an error before the method could look at them.
  for (auto& up : uploads)
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

void connection_runtime::try_emit(invocation_state& inv) {
  if (inv.emitted || !inv.finished) return;
  inv.emitted = true;
  auto keep = inv.shared_from_this();  // the registries below may hold the last reference
  if (inv.method && inv.method->observe_duration)
    inv.method->observe_duration(std::chrono::duration<double>(clock_type::now() - inv.started).count());
  // Written after everything this connection asked of the router before (write() keeps that order): the
  // caller sees its own broadcasts before the Completion of the method that sent them.
  if (inv.id && !closed())
    write(encode(completion_message{{}, *inv.id, std::move(inv.error), std::move(inv.result)}));
  if (inv.streaming && inv.id && regs_) {
    auto i = regs_->streams.find(*inv.id);
    if (i != regs_->streams.end() && i->second.get() == &inv) regs_->streams.erase(i);
  }
  // on_connected (the first invocation without a method) is done, and with it the registration: most
  // connections make no further request, so CAF's table for them needs no capacity.
  if (!inv.method && alive_) static_cast<caf_internals::tracked_actor*>(self_)->release_response_table();
  if (inv.blocks_queue && current_.get() == &inv) {
    current_.reset();
    pump();
  }
}

}  // namespace actorhub::detail
