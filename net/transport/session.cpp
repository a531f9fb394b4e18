// One logical connection, transport-independent (see session.hpp).
#include "net/transport/session.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <prometheus/counter.h>

#include "monitoring/metrics.hpp"
#include "net/transport/http_util.hpp"

namespace actorhub::transport {

namespace net = boost::asio;

namespace {

constexpr std::size_t reconnect_cap_factor = 4;  // unacknowledged bytes beyond 4 x the buffer: too slow
constexpr std::uint16_t close_policy_violation = 1008;

std::int64_t ms(std::chrono::milliseconds d) { return d.count(); }

close_reason reason_of(close_cause c) {
  switch (c) {
    case close_cause::normal: return close_reason::server;
    case close_cause::client: return close_reason::client;
    case close_cause::shutdown: return close_reason::shutdown;
    case close_cause::slow: return close_reason::slow;
    case close_cause::protocol_error: return close_reason::protocol_error;
    case close_cause::timeout: return close_reason::timeout;
    case close_cause::handshake: return close_reason::handshake;
  }
  return close_reason::server;
}

}  // namespace

session::session(std::shared_ptr<server_state> st, std::shared_ptr<connection_slot> slot, transport_kind t,
                 net::any_io_executor exec, connection_info info)
    : state_(std::move(st)),
      info_(std::move(info)),
      slot_(std::move(slot)),
      transport_(t),
      exec_(std::move(exec)) {
  auto now = now_ms();
  created_.store(now);
  last_received_.store(now);
  last_sent_.store(now);
}

session::~session() = default;

void session::attach(std::shared_ptr<transport_link> link) {
  // The link is visible at once (a poll may follow immediately); the rest runs on the strand.
  bool closed = false;
  bool wake = false;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (phase_.load() == phase::closed) {
      closed = true;
    } else {
      link_ = link;
      if ((!queue_.empty() || finishing_) && !write_scheduled_) {
        write_scheduled_ = true;
        wake = true;
      }
    }
  }
  if (closed) {
    link->abort();
    return;
  }
  net::post(exec_, [self = shared_from_this(), link = std::move(link), wake] {
    if (wake) link->wake();
    self->opened_transport();
  });
}

bool session::resumable() const {
  std::lock_guard<std::mutex> lk(mu_);
  return rbuf_ && phase_.load() == phase::open && transport_ == transport_kind::websockets;
}

void session::resume(std::shared_ptr<transport_link> link) {
  net::post(exec_, [self = shared_from_this(), link = std::move(link)] {
    std::shared_ptr<transport_link> old;
    bool ok = false;
    {
      std::lock_guard<std::mutex> lk(self->mu_);
      if (self->rbuf_ && self->phase_.load() == phase::open) {
        ok = true;
        old = std::move(self->link_);
        self->link_ = link;
        self->detached_since_.store(0);
        self->queue_.clear();
        bool binary = self->binary_records();
        // The client drops everything until our Sequence, then every id it already processed.
        self->queue_.force_push({self->sequence_record(self->rbuf_->first_seq(self->send_seq_ + 1)), binary});
        self->rbuf_->for_each([&](std::int64_t, const shared_bytes& b) { self->queue_.force_push({b, binary}); });
        self->write_scheduled_ = true;
        self->update_stall(now_ms());
      }
    }
    if (!ok) {
      link->abort();
      return;
    }
    if (old) old->abort();
    link->wake();
  });
}

void session::transport_closed(std::shared_ptr<transport_link> link, bool graceful,
                               std::optional<std::string> error) {
  net::post(exec_, [self = shared_from_this(), link = std::move(link), graceful, error = std::move(error)] {
    bool keep = false;
    {
      std::lock_guard<std::mutex> lk(self->mu_);
      if (link != self->link_) return;  // a replaced transport
      if (!graceful && self->rbuf_ && self->phase_.load() == phase::open && !self->state_->stopping.load()) {
        // Stateful reconnect: keep the connection (id, user, groups) for the reconnect window.
        self->link_.reset();
        self->queue_.clear();
        self->write_scheduled_ = false;
        self->write_started_.store(0);
        self->stalled_since_.store(0);
        self->detached_since_.store(now_ms());
        keep = true;
      }
    }
    if (!keep) self->finalize(error);
  });
}

bool session::take(const transport_link* link, batch& b) {
  b.items.clear();
  b.bytes = 0;
  b.messages = 0;
  b.finishing = false;
  std::lock_guard<std::mutex> lk(mu_);
  if (link != link_.get()) return false;
  if (!queue_.empty()) {
    b.bytes = queue_.take_all(b.items, b.messages);
    write_started_.store(now_ms(), std::memory_order_relaxed);
    return true;
  }
  if (finishing_) {
    b.finishing = true;
    if (has_cause_.load() && cause_.load() == close_cause::slow) b.close_code = close_policy_violation;
    return true;
  }
  write_scheduled_ = false;
  return false;
}

void session::written(const transport_link* link, std::size_t bytes, std::size_t messages) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (link != link_.get()) return;
    queue_.written(bytes);
    write_started_.store(0, std::memory_order_relaxed);
    update_stall(now_ms());
  }
  if (auto* m = hub().metrics) m->sent(messages, bytes);  // one update per batch, not per record
}

void session::idle(const transport_link* link) {
  std::lock_guard<std::mutex> lk(mu_);
  if (link == link_.get()) write_scheduled_ = false;
}

void session::set_detached(const transport_link* link, bool detached, std::int64_t now) {
  std::lock_guard<std::mutex> lk(mu_);
  if (link != link_.get()) return;
  detached_since_.store(detached ? now : 0, std::memory_order_relaxed);
}

std::shared_ptr<transport_link> session::link() const {
  std::lock_guard<std::mutex> lk(mu_);
  return link_;
}

bool session::enqueue(const shared_bytes& bytes, bool binary, bool trackable, bool message) {
  if (!bytes) return false;
  std::shared_ptr<transport_link> wake;
  bool overflow = false;
  const auto now = now_ms();
  const auto& o = state_->opts;
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto ph = phase_.load(std::memory_order_relaxed);
    if (ph != phase::open && ph != phase::connecting) return false;
    if (trackable && rbuf_) {
      rbuf_->push(++send_seq_, bytes);
      if (rbuf_->bytes() > reconnect_cap_factor * o.stateful_reconnect_buffer) overflow = true;
    }
    // A stateful session without transport keeps records in its reconnect buffer only; a session whose
    // first transport is not attached yet queues them for it.
    if (!overflow && (link_ || !rbuf_)) {
      if (!queue_.push({bytes, binary, message}, std::max(o.max_outbound_bytes, o.max_buffer))) {
        overflow = true;
      } else if (link_ && !write_scheduled_) {
        write_scheduled_ = true;
        wake = link_;
      }
    }
    if (!overflow) update_stall(now);
    last_sent_.store(now, std::memory_order_relaxed);
  }
  if (overflow) {
    close_slow("The client did not read its messages in time; its outbound buffer is full.");
    return false;
  }
  if (wake) wake->wake();
  return true;
}

void session::set_open() {
  auto expected = phase::connecting;
  phase_.compare_exchange_strong(expected, phase::open);
}

void session::enable_reconnect_buffer() {
  std::lock_guard<std::mutex> lk(mu_);
  if (!rbuf_) rbuf_ = std::make_unique<reconnect_buffer>();
  reconnect_.store(true, std::memory_order_release);
}

void session::ack_outbound(std::int64_t seq) {
  std::lock_guard<std::mutex> lk(mu_);
  if (!rbuf_) return;
  rbuf_->ack(seq);
  update_stall(now_ms());
}

bool session::deliver_inbound(std::int64_t seq) {
  std::lock_guard<std::mutex> lk(mu_);
  if (exported_) return false;
  if (seq > delivered_in_.load(std::memory_order_relaxed)) delivered_in_.store(seq, std::memory_order_release);
  return true;
}

std::optional<session::reconnect_state> session::detach_for_export(std::shared_ptr<transport_link>& link_out) {
  reconnect_state out;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (!rbuf_ || exported_ || phase_.load() != phase::open || transport_ != transport_kind::websockets)
      return std::nullopt;
    exported_ = true;
    phase_.store(phase::closed);  // send/close/resume refuse from now on; transport events find no link
    out.next_outbound_seq = send_seq_ + 1;
    out.last_inbound_seq = delivered_in_.load(std::memory_order_relaxed);
    rbuf_->for_each([&](std::int64_t seq, const shared_bytes& b) { out.unacked.emplace_back(seq, b); });
    link_out = std::move(link_);
    link_.reset();
    queue_.clear();
    rbuf_.reset();
    finishing_ = true;
    write_scheduled_ = false;
    detached_since_.store(0);
    stalled_since_.store(0);
    write_started_.store(0);
  }
  state_->connections.remove(token(), this);
  return out;
}

void session::restore_detached(reconnect_state state) {
  std::lock_guard<std::mutex> lk(mu_);
  rbuf_ = std::make_unique<reconnect_buffer>();
  for (auto& [seq, bytes] : state.unacked) rbuf_->push(seq, std::move(bytes));
  send_seq_ = state.next_outbound_seq - 1;
  delivered_in_.store(state.last_inbound_seq, std::memory_order_release);
  reconnect_.store(true, std::memory_order_release);
  phase_.store(phase::open);
  auto now = now_ms();
  detached_since_.store(now);
  last_received_.store(now);
  last_sent_.store(now);
}

void session::update_stall(std::int64_t now) {
  const auto& o = state_->opts;
  bool over = queue_.buffered() > o.max_buffer ||
              (rbuf_ && link_ && rbuf_->bytes() > o.stateful_reconnect_buffer);
  if (!over) {
    stalled_since_.store(0, std::memory_order_relaxed);
  } else if (stalled_since_.load(std::memory_order_relaxed) == 0) {
    stalled_since_.store(now, std::memory_order_relaxed);
  }
}

void session::begin_close(std::optional<std::string> error, close_cause cause, bool close_message,
                          bool allow_reconnect) {
  std::shared_ptr<transport_link> wake;
  bool finalize_now = false;
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto ph = phase_.load();
    if (ph == phase::closing || ph == phase::closed) return;
    phase_.store(phase::closing);
    closing_since_.store(now_ms());
    close_error_ = error;
    set_cause(cause);
    if (cause == close_cause::slow) queue_.drop_queued();  // the Close goes right after the current write
    if (close_message && ph == phase::open)
      if (auto rec = close_record(error, allow_reconnect)) queue_.force_push({std::move(rec), binary_records()});
    finishing_ = true;
    if (!link_) {
      // A stateful session between transports ends now; a new one whose first transport is still being
      // set up finishes when it attaches (or when the closing grace runs out).
      finalize_now = rbuf_ != nullptr;
    } else if (!write_scheduled_) {
      write_scheduled_ = true;
      wake = link_;
    }
  }
  if (finalize_now) {
    net::post(exec_, [self = shared_from_this()] { self->finalize(std::nullopt); });
  } else if (wake) {
    wake->wake();
  }
}

void session::close_slow(std::string error) {
  begin_close(std::move(error), close_cause::slow, true);
}

void session::abort(std::optional<std::string> error, close_cause cause) {
  std::shared_ptr<transport_link> link;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (phase_.load() == phase::closed || aborting_) return;
    aborting_ = true;
    if (phase_.load() != phase::closing) {
      phase_.store(phase::closing);
      closing_since_.store(now_ms());
      close_error_ = error;
    }
    set_cause(cause);
    link = link_;
  }
  if (link) link->abort();
  net::post(exec_, [self = shared_from_this(), error = std::move(error)] { self->finalize(error); });
}

void session::finalize(std::optional<std::string> error) {
  if (finalized_) return;
  finalized_ = true;
  std::shared_ptr<transport_link> link;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (close_error_) error = close_error_;
    phase_.store(phase::closed);
    link = std::move(link_);
    queue_ = outbound_queue{};
    rbuf_.reset();
    finishing_ = true;
    set_cause(close_cause::client);  // no cause recorded: the client ended it
  }
  if (link) link->abort();
  state_->connections.remove(token(), this);
  if (auto* m = hub().metrics) m->connection_ended(reason_of(cause_.load()));
  deliver_closed(std::move(error));
}

void session::tick(std::int64_t now) {
  const auto& o = state_->opts;
  auto ph = phase_.load();
  if (ph == phase::closed) return;
  if (ph == phase::closing) {
    // A client that never lets the transport finish (never reads, never polls again) is dropped.
    auto grace = std::clamp<std::int64_t>(ms(o.send_timeout), 100, 5000);
    if (now - closing_since_.load() > grace) abort(std::nullopt, close_cause::normal);  // keeps the first cause
    return;
  }
  if (auto l = link()) l->tick(now);
  if (ph == phase::connecting) {
    // No handshake in time (raw sessions leave this phase when their transport attaches; one still here
    // lost its transport before that).
    if (now - created_.load() > ms(o.handshake_timeout)) {
      if (uses_handshake())
        if (auto* m = hub().metrics) m->handshake_failures->Increment();
      abort(std::nullopt, close_cause::handshake);
    }
    return;
  }
  // Above max_buffer for send_timeout, or one write stuck that long: the client is not reading.
  auto stalled = stalled_since_.load(std::memory_order_relaxed);
  auto writing = write_started_.load(std::memory_order_relaxed);
  if ((stalled && now - stalled > ms(o.send_timeout)) || (writing && now - writing > ms(o.send_timeout))) {
    close_slow("The client did not read its messages within the send timeout.");
    return;
  }
  auto det = detached_since_.load(std::memory_order_relaxed);
  if (det && now - det > ms(o.disconnect_timeout)) {
    abort(std::nullopt, close_cause::timeout);
    return;
  }
  // A dropped stateful WebSocket waits for its reconnect; a long polling client between polls is live.
  if (det && transport_ == transport_kind::websockets) return;
  on_tick(now);
}

bool session::set_cause(close_cause cause) {  // under mu_
  if (has_cause_.exchange(true)) return false;
  cause_.store(cause);
  return true;
}

}  // namespace actorhub::transport
