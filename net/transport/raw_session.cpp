// A raw connection over any transport (see raw_session.hpp).
#include "net/transport/raw_session.hpp"

#include "monitoring/metrics.hpp"
#include "net/transport/http_util.hpp"

namespace actorhub::transport {

raw_session::~raw_session() = default;

bool raw_session::send(std::string data, bool binary) {
  return enqueue(std::make_shared<const std::string>(std::move(data)), binary, false);
}

void raw_session::close() { begin_close(std::nullopt, close_cause::normal, false); }

void raw_session::opened_transport() {
  if (opened_ || current_phase() != phase::connecting) return;
  opened_ = true;
  set_open();
  if (auto* m = hub().metrics) m->connection_opened();
  try {
    receiver_ = hub().raw->connect(std::static_pointer_cast<raw_session>(shared_from_this()));
  } catch (...) {
    receiver_.reset();
  }
  if (!receiver_) begin_close(std::nullopt, close_cause::normal, false);
}

void raw_session::on_data(std::string_view data, bool binary) {
  touch_received(now_ms());
  if (!opened_) opened_transport();  // a POST may overtake the attach of a new SSE/long-polling transport
  if (current_phase() != phase::open || !receiver_) return;
  if (auto* m = hub().metrics) m->received(0, data.size());
  try {
    receiver_->on_message(std::string(data), binary);
  } catch (const std::exception& e) {
    begin_close(std::string(e.what()), close_cause::normal, false);
  }
}

void raw_session::deliver_closed(std::optional<std::string> error) {
  if (opened_)
    if (auto* m = hub().metrics) m->connection_closed();
  if (receiver_) {
    try {
      receiver_->on_closed(std::move(error));
    } catch (...) {
    }
    receiver_.reset();
  }
}

}  // namespace actorhub::transport
