// A hub connection over any transport (see hub_session.hpp).
#include "net/transport/hub_session.hpp"

#include <boost/asio/post.hpp>
#include <prometheus/counter.h>

#include "monitoring/metrics.hpp"
#include "net/handshake.hpp"
#include "net/transport/http_util.hpp"

namespace actorhub::transport {

namespace {

shared_bytes text(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

}  // namespace

hub_session::hub_session(std::shared_ptr<server_state> st, std::shared_ptr<connection_slot> slot,
                         transport_kind t, boost::asio::any_io_executor exec, connection_info info)
    : session(std::move(st), std::move(slot), t, std::move(exec), std::move(info)),
      protocol_(&json_protocol()) {}

hub_session::~hub_session() = default;

bool hub_session::send(const encoded_ptr& msg) {
  if (!msg) return false;
  auto type = msg->type();
  // Counted when written, once per batch (a per-recipient counter update costs a contended atomic per delivery).
  return enqueue(msg->bytes(*protocol_), protocol_->binary(), is_trackable(type), type == message_type::invocation);
}

void hub_session::close(std::optional<std::string> error, bool allow_reconnect) {
  begin_close(std::move(error), close_cause::normal, true, allow_reconnect);
}

void hub_session::on_data(std::string_view data, bool /*binary*/) {
  touch_received(now_ms());
  auto ph = current_phase();
  if (ph == phase::closing || ph == phase::closed) return;  // input after the close began is ignored
  if (!handshake_done_) {
    handshake(data);
  } else {
    messages(data);
  }
}

void hub_session::handshake(std::string_view data) {
  const auto& o = state().opts;
  inbuf_.append(data);
  auto r = parse_handshake(inbuf_, o.max_message_size);
  if (r.state == handshake_parse::incomplete) return;
  if (r.state == handshake_parse::invalid) {
    fail_handshake(r.error.empty() ? "Invalid handshake request." : r.error);
    return;
  }
  const std::string& name = r.request.protocol;
  const hub_protocol* p = find_protocol(name);
  if (!p) {
    fail_handshake("The protocol '" + name + "' is not supported.");
    return;
  }
  if (r.request.version > p->version()) {
    fail_handshake("The server does not support version " + std::to_string(r.request.version) + " of the '" +
                   name + "' protocol.");
    return;
  }
  if (p->binary() && transport() == transport_kind::server_sent_events) {
    fail_handshake("Cannot use the '" + name +
                   "' protocol on the current transport. The transport does not support 'Binary' transfer format.");
    return;
  }
  protocol_ = p;
  info_.protocol = std::string(p->name());
  // Stateful reconnect needs both: negotiated, and a version-2 handshake (clients send 1 otherwise).
  if (slot_stateful() && r.request.version >= 2 && transport() == transport_kind::websockets)
    enable_reconnect_buffer();
  handshake_done_ = true;
  std::string rest = inbuf_.substr(r.consumed);
  std::string().swap(inbuf_);
  set_open();
  enqueue(text(handshake_response()), p->binary(), false);
  if (auto* m = hub().metrics) m->connection_opened();
  counted_open_ = true;
  try {
    inbound_ = hub().hub->connect(std::static_pointer_cast<hub_session>(shared_from_this()));
  } catch (const std::exception& e) {
    begin_close(std::string("Connection closed with an error. ") + e.what(), close_cause::normal, true);
    return;
  }
  if (!inbound_) {
    begin_close(std::string("The hub refused the connection."), close_cause::normal, true);
    return;
  }
  if (!rest.empty()) messages(rest);
}

void hub_session::fail_handshake(std::string error) {
  if (auto* m = hub().metrics) m->handshake_failures->Increment();
  enqueue(text(handshake_response(error)), false, false);
  begin_close(std::move(error), close_cause::handshake, false);
}

void hub_session::messages(std::string_view data) {
  const auto& o = state().opts;
  std::string_view in = data;
  bool buffered = !inbuf_.empty();
  if (buffered) {
    inbuf_.append(data);
    in = inbuf_;
  }
  std::vector<hub_message> parsed;
  auto status = protocol_->parse(in, parsed, o.max_message_size);
  if (status) {
    if (!in.empty()) {
      std::string tail(in);  // `in` may point into inbuf_
      inbuf_.swap(tail);
    } else {
      inbuf_.clear();
    }
    if (inbuf_.capacity() > 4096 && inbuf_.size() < 1024) inbuf_.shrink_to_fit();
  }

  // Ping/Ack/Sequence/Close are consumed here; the rest is compacted in place and handed on as one batch.
  const bool stateful = reconnect_enabled();
  std::int64_t last_id = 0;  // the highest inbound id of this batch (stateful)
  std::size_t kept = 0;
  std::size_t invocations = 0;
  bool client_closed = false;
  std::optional<std::string> client_error;
  std::optional<std::string> protocol_error;
  for (auto& m : parsed) {
    auto type = type_of(m);
    if (type == message_type::ping) continue;
    if (type == message_type::ack) {
      if (stateful) ack_outbound(std::get<ack_message>(m).sequence_id);
      continue;
    }
    if (type == message_type::sequence) {
      if (stateful) {
        auto seq = std::get<sequence_message>(m).sequence_id;
        if (seq > recv_processed_.load() + 1 || seq < 1) {
          protocol_error = "Sequence ID greater than amount of messages we've received.";
          break;
        }
        recv_next_ = seq;
      }
      continue;
    }
    if (type == message_type::close) {
      client_closed = true;
      client_error = std::get<close_message>(m).error;
      break;
    }
    if (stateful && is_trackable(type)) {
      auto id = recv_next_++;
      if (id <= recv_processed_.load()) continue;  // a duplicate replayed after a reconnect
      recv_processed_.store(id);
      last_id = id;
    }
    if (type == message_type::invocation || type == message_type::stream_invocation) ++invocations;
    if (&parsed[kept] != &m) parsed[kept] = std::move(m);
    ++kept;
  }
  parsed.resize(kept);
  if (last_id) {
    // The cut for export_snapshot: what goes to the hub layer here counts as processed (and acknowledged);
    // once exported, nothing more does (the client sends it again to the connection's new endpoint).
    if (!deliver_inbound(last_id)) return;
    ack_due_.store(true);
  }
  if (auto* m = hub().metrics) m->received(invocations, data.size());
  if (!parsed.empty() && inbound_) {
    try {
      inbound_->on_messages(std::move(parsed));
    } catch (const std::exception& e) {
      protocol_error = std::string("Error while handling a message: ") + e.what();
    }
  }
  if (!status) {
    begin_close("Connection closed with an error. InvalidDataException: " + status.error,
                close_cause::protocol_error, true);
  } else if (protocol_error) {
    begin_close("Connection closed with an error. " + *protocol_error, close_cause::protocol_error, true);
  } else if (client_closed) {
    begin_close(std::move(client_error), close_cause::normal, false);
  }
}

void hub_session::deliver_closed(std::optional<std::string> error) {
  if (counted_open_)
    if (auto* m = hub().metrics) m->connection_closed();
  counted_open_ = false;
  if (inbound_) {
    try {
      inbound_->on_closed(std::move(error));
    } catch (...) {
      // the hub layer's problem; the connection is gone either way
    }
    inbound_.reset();
  }
}

std::optional<session_snapshot> hub_session::export_snapshot(std::shared_ptr<transport_link>& link_out,
                                                            receiver_taker take_receiver) {
  auto state = detach_for_export(link_out);
  if (!state) return std::nullopt;
  session_snapshot snap;
  snap.connection_id = id();
  snap.token = token();
  snap.hub_path = hub().path;
  snap.protocol = std::string(protocol_->name());
  snap.stateful = true;
  snap.info = info_;
  snap.next_outbound_seq = state->next_outbound_seq;
  snap.last_inbound_seq = state->last_inbound_seq;
  snap.unacked.reserve(state->unacked.size());
  for (auto& [seq, bytes] : state->unacked) snap.unacked.push_back({seq, bytes ? *bytes : std::string()});
  // The receiver leaves on the strand: a batch being handed to it there finishes first.
  boost::asio::post(executor(), [self = std::static_pointer_cast<hub_session>(shared_from_this()),
                                 take = std::move(take_receiver)]() mutable {
    if (self->counted_open_)
      if (auto* m = self->hub().metrics) m->connection_closed();  // open elsewhere from now on
    self->counted_open_ = false;
    auto receiver = std::move(self->inbound_);
    if (take && receiver) {
      try {
        take(std::move(receiver));
      } catch (...) {
        // the taker's problem; the connection lives elsewhere now
      }
    }
  });
  return snap;
}

bool hub_session::import_snapshot(session_snapshot& snap) {
  const hub_protocol* p = find_protocol(snap.protocol);
  if (!p || !hub().hub) return false;
  protocol_ = p;
  info_.protocol = std::string(p->name());
  handshake_done_ = true;
  recv_next_ = snap.last_inbound_seq + 1;
  recv_processed_.store(snap.last_inbound_seq);
  reconnect_state state;
  state.next_outbound_seq = snap.next_outbound_seq;
  state.last_inbound_seq = snap.last_inbound_seq;
  state.unacked.reserve(snap.unacked.size());
  for (auto& r : snap.unacked)
    state.unacked.emplace_back(r.seq, std::make_shared<const std::string>(std::move(r.bytes)));
  restore_detached(std::move(state));
  // The hub learns of it on the strand, as of a handshake: before any frame of the reconnected client, and
  // before a close (from the hub layer or the sweep) is finalised.
  boost::asio::post(executor(), [self = std::static_pointer_cast<hub_session>(shared_from_this())] {
    if (auto* m = self->hub().metrics) m->connection_opened();
    self->counted_open_ = true;
    try {
      self->inbound_ = self->hub().hub->resume(self);
    } catch (const std::exception& e) {
      self->abort(std::string("Connection closed with an error. ") + e.what(), close_cause::normal);
      return;
    }
    if (!self->inbound_) self->abort(std::string("The hub refused the connection."), close_cause::normal);
  });
  return true;
}

shared_bytes hub_session::close_record(const std::optional<std::string>& error, bool allow_reconnect) {
  close_message c;
  c.error = error;
  c.allow_reconnect = allow_reconnect;
  return encode(std::move(c))->bytes(*protocol_);
}

shared_bytes hub_session::sequence_record(std::int64_t next) {
  return encode(sequence_message{next})->bytes(*protocol_);
}

void hub_session::on_tick(std::int64_t now) {
  if (!handshake_done_) return;
  const auto& o = state().opts;
  if (o.client_timeout.count() > 0 && now - last_received_.load() > o.client_timeout.count()) {
    begin_close(std::string("Server timeout elapsed without receiving a message from the client."),
                close_cause::timeout, true);
    return;
  }
  if (reconnect_enabled() && ack_due_.exchange(false))
    enqueue(encode(ack_message{delivered_inbound()})->bytes(*protocol_), protocol_->binary(), false);
  if (o.keep_alive_interval.count() > 0 && now - last_sent_.load() >= o.keep_alive_interval.count())
    enqueue(state().ping->bytes(*protocol_), protocol_->binary(), false);
}

}  // namespace actorhub::transport
