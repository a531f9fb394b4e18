// Streams in the connection actor: server-to-client streams end by completion, failure or cancellation;
// client-to-server streams (uploads) buffer their items until the method attaches a handler.
#include "actors/connection/connection_runtime.hpp"

namespace actorhub::detail {

// -- server-to-client --------------------------------------------------------------------------------------------

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
      forget_uploads(waiting.uploads);
      write(encode(completion_message{{}, m.invocation_id, std::nullopt, std::nullopt}));
      return;
    }
  }
  // Unknown, finished, or not a stream: ignored.
}

// -- client-to-server ----------------------------------------------------------------------------------------

void connection_runtime::forget_uploads(const std::vector<std::shared_ptr<upload_state>>& uploads) {
  if (!regs_) return;
  for (auto& up : uploads) {
    auto i = regs_->uploads.find(up->id);
    if (i != regs_->uploads.end() && i->second == up) regs_->uploads.erase(i);
  }
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

void connection_runtime::complete_upload(completion_message& m) {
  if (!regs_) return;
  auto u = regs_->uploads.find(m.invocation_id);
  if (u == regs_->uploads.end()) return;
  auto up = u->second;
  regs_->uploads.erase(u);
  upload_completed(*up, m.error);
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

}  // namespace actorhub::detail
