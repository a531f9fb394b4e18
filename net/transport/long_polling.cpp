// Long polling transport (see long_polling.hpp).
#include "net/transport/long_polling.hpp"

#include <boost/asio/post.hpp>

#include "net/transport/http_util.hpp"

namespace actorhub::transport {

namespace net = boost::asio;

namespace {

http_response status_only(int status) {
  http_response r;
  r.status = status;
  return r;
}

}  // namespace

long_polling_link::long_polling_link(const std::shared_ptr<session>& s)
    : session_(s), exec_(s->executor()), poll_timeout_ms_(s->state().opts.poll_timeout.count()) {}

void long_polling_link::on_poll(http_responder respond) {
  net::post(exec_, [self = shared_from_this(), respond = std::move(respond)]() mutable {
    auto s = self->session_.lock();
    if (!s || self->ended_) {
      respond(status_only(s ? 204 : 404));
      return;
    }
    // One pending poll per connection: a newer poll replaces the older one (which gets 204).
    if (self->pending_) s->state().rejected(limit_kind::long_polls);
    self->complete_pending(204);
    auto now = now_ms();
    self->pending_ = std::move(respond);
    self->pending_since_.store(now);
    s->set_detached(self.get(), false, now);
    s->touch_received(now);
    self->flush();
  });
}

void long_polling_link::on_delete(http_responder respond) {
  net::post(exec_, [self = shared_from_this(), respond = std::move(respond)]() mutable {
    self->complete_pending(204);
    self->ended_ = true;
    respond(status_only(202));
    if (auto s = self->session_.lock()) s->transport_closed(self, true, std::nullopt);
  });
}

void long_polling_link::wake() {
  net::post(exec_, [self = shared_from_this()] { self->flush(); });
}

void long_polling_link::abort() {
  net::post(exec_, [self = shared_from_this()] {
    self->ended_ = true;
    self->complete_pending(204);
  });
}

void long_polling_link::tick(std::int64_t now) {
  auto since = pending_since_.load();
  if (!since) return;
  if (auto s = session_.lock()) s->touch_received(now);  // an outstanding poll is client activity
  if (now - since < poll_timeout_ms_) return;
  net::post(exec_, [self = shared_from_this(), since] {
    if (!self->pending_ || self->pending_since_.load() != since) return;
    self->complete_pending(200);  // poll timeout: empty 200, the client polls again
  });
}

void long_polling_link::complete_pending(int status) {
  if (!pending_) return;
  auto respond = std::move(pending_);
  pending_ = nullptr;
  pending_since_.store(0);
  if (auto s = session_.lock()) s->set_detached(this, true, now_ms());
  respond(status_only(status));
}

void long_polling_link::flush() {
  auto s = session_.lock();
  if (!s) return;
  if (!pending_) {
    s->idle(this);
    return;
  }
  session::batch b;
  if (!s->take(this, b)) return;
  if (!b.items.empty()) {
    http_response r;
    r.status = 200;
    r.content_type = b.items.front().binary ? "application/octet-stream" : "text/plain; charset=utf-8";
    r.body.reserve(b.bytes);
    for (const auto& item : b.items) r.body.append(*item.bytes);
    auto respond = std::move(pending_);
    pending_ = nullptr;
    pending_since_.store(0);
    s->set_detached(this, true, now_ms());
    respond(std::move(r));
    s->written(this, b.bytes, b.messages);
    s->idle(this);
    if (s->current_phase() == session::phase::closing && s->state().stopping.load()) {
      // Shutting down: the Close went out with this poll; no need to wait for a last poll's 204.
      ended_ = true;
      s->transport_closed(shared_from_this(), true, std::nullopt);
    }
    return;
  }
  if (b.finishing) {
    ended_ = true;
    complete_pending(204);
    s->transport_closed(shared_from_this(), true, std::nullopt);
  }
}

}  // namespace actorhub::transport
