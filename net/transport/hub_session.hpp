// A hub connection: handshake, hub protocol framing, keep-alive, stateful reconnect sequencing, and the
// hub_connection handle the hub layer sends through.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/hub_connection.hpp"
#include "net/session_snapshot.hpp"
#include "net/transport/session.hpp"

namespace actorhub::transport {

class hub_session final : public session, public hub_connection {
 public:
  hub_session(std::shared_ptr<server_state> st, std::shared_ptr<connection_slot> slot, transport_kind t,
              boost::asio::any_io_executor exec, connection_info info);
  ~hub_session() override;

  // hub_connection
  const connection_info& info() const noexcept override { return info_; }
  const hub_protocol& protocol() const noexcept override { return *protocol_; }
  bool send(const encoded_ptr& msg) override;
  void close(std::optional<std::string> error = std::nullopt, bool allow_reconnect = false) override;

  // session
  bool coalesces() const noexcept override { return true; }
  void on_data(std::string_view data, bool binary) override;

  // Handing the connection to another endpoint (handover.cpp; see server::export_session): detaches it (see
  // session::detach_for_export) and returns its state; the hub_inbound gets no further call and goes to
  // `take_receiver` (or is destroyed) on the strand, after a call already running returned.
  using receiver_taker = std::function<void(std::unique_ptr<hub_inbound>)>;
  std::optional<session_snapshot> export_snapshot(std::shared_ptr<transport_link>& link_out,
                                                  receiver_taker take_receiver);
  // A new session continuing `snap` (see server::import_session), before it is visible (takes the records):
  // false when the protocol is unknown. The hub's resume() runs on the strand right after.
  bool import_snapshot(session_snapshot& snap);

 protected:
  void deliver_closed(std::optional<std::string> error) override;
  shared_bytes close_record(const std::optional<std::string>& error, bool allow_reconnect) override;
  shared_bytes sequence_record(std::int64_t next) override;
  bool binary_records() const noexcept override { return protocol_->binary(); }
  bool uses_handshake() const noexcept override { return true; }
  void on_tick(std::int64_t now) override;

 private:
  void handshake(std::string_view data);
  void fail_handshake(std::string error);
  void messages(std::string_view data);

  const hub_protocol* protocol_;  // json until the handshake chose one; fixed afterwards
  std::string inbuf_;             // an incomplete record carried to the next frame
  std::unique_ptr<hub_inbound> inbound_;
  bool handshake_done_ = false;
  bool counted_open_ = false;
  // Stateful reconnect, inbound side (on the strand, except the atomics read by the sweep).
  std::int64_t recv_next_ = 1;
  std::atomic<std::int64_t> recv_processed_{0};
  std::atomic<bool> ack_due_{false};
};

}  // namespace actorhub::transport
