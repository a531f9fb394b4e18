// One logical connection (negotiated id, outbound queue, timeouts, close) independent of its transport.
// A transport_link (WebSocket, SSE stream, long polling) carries its bytes. hub_session adds the hub
// protocol, raw_session the raw message endpoint.
//
// Threading: the session's state is driven on its strand `executor()` (inbound data, transport events,
// finalisation); enqueue/take/close are thread-safe under a mutex; the sweep reads atomics only.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include <actorhub/connection_info.hpp>
#include "net/transport/outbound_queue.hpp"
#include "net/transport/reconnect_buffer.hpp"
#include "net/transport/server_state.hpp"

namespace actorhub::transport {

// The transport currently carrying a session's outbound bytes.
class transport_link {
 public:
  virtual ~transport_link() = default;
  // Thread-safe: data is queued or the session is finishing; the link's writer should call take().
  virtual void wake() = 0;
  // Thread-safe: end the transport now without flushing (no-op when already gone).
  virtual void abort() = 0;
  // Sweep thread: transport-specific timers (long polling).
  virtual void tick(std::int64_t now_ms) { (void)now_ms; }
  // I/O thread, from the server's wake_queue (links that use it).
  virtual void on_wake() {}
};

// Why a session ends (the first cause given wins; a session that ends without one was ended by its client).
// `normal`: the application or server closed it (reason "server" in the metrics).
enum class close_cause : std::uint8_t { normal, client, shutdown, slow, protocol_error, timeout, handshake };

class session : public std::enable_shared_from_this<session> {
  // What every send (enqueue) and every write (take, written) touches, first and together: on a broadcast
  // to thousands of connections each session is cold, so these fit in the object's first three cache lines.
  std::shared_ptr<server_state> state_;    // before every member that uses the io_context it owns
  mutable std::mutex mu_;
  outbound_queue queue_;                   // under mu_
  std::shared_ptr<transport_link> link_;   // under mu_
  std::unique_ptr<reconnect_buffer> rbuf_;  // under mu_; stateful reconnect only

 public:
  enum class phase : std::uint8_t { connecting, open, closing, closed };

 private:
  std::atomic<phase> phase_{phase::connecting};
  bool write_scheduled_ = false;  // under mu_: a wake is pending or the writer is busy
  bool finishing_ = false;        // under mu_
  std::atomic<std::int64_t> stalled_since_{0};
  std::atomic<std::int64_t> write_started_{0};

 protected:
  std::atomic<std::int64_t> last_sent_;

 public:

  // What a transport writer gets from take(): records to write, or the signal to end the transport.
  struct batch {
    std::vector<outbound_item> items;
    std::size_t bytes = 0;
    std::size_t messages = 0;  // hub invocations among the items (for the sent-messages metric)
    bool finishing = false;  // nothing left to write and the session is closing: end the transport now
    std::uint16_t close_code = 1000;  // with `finishing`: the WebSocket close code (1008 for a slow client)
  };

  session(std::shared_ptr<server_state> st, std::shared_ptr<connection_slot> slot, transport_kind t,
          boost::asio::any_io_executor exec, connection_info info);
  virtual ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  const std::string& id() const noexcept { return slot_->id; }
  const std::string& token() const noexcept { return slot_->token; }
  const hub_entry& hub() const noexcept { return *slot_->hub; }
  transport_kind transport() const noexcept { return transport_; }
  const boost::asio::any_io_executor& executor() const noexcept { return exec_; }
  server_state& state() const noexcept { return *state_; }
  phase current_phase() const noexcept { return phase_.load(std::memory_order_acquire); }
  const connection_info& connection() const noexcept { return info_; }
  // true: queued records are written together as one transport message (hub protocol records carry
  // their own framing); false: each queued item is one message (raw connections).
  virtual bool coalesces() const noexcept = 0;

  // ---- transport side
  // Makes `link` the session's transport (posts to the strand).
  void attach(std::shared_ptr<transport_link> link);
  // Stateful reconnect: a new WebSocket may replace the transport.
  bool resumable() const;
  // Replaces the transport, then sends Sequence and replays the unacknowledged records (posts to the strand).
  void resume(std::shared_ptr<transport_link> link);
  // Bytes of one transport message / POST body, on the strand.
  virtual void on_data(std::string_view data, bool binary) = 0;
  // The transport ended (`graceful`: the client closed it on purpose). Any thread.
  void transport_closed(std::shared_ptr<transport_link> link, bool graceful, std::optional<std::string> error);
  // Writer side (any thread): everything queued, or the finishing signal; false when there is nothing to do
  // (the link stops writing until the next wake()).
  bool take(const transport_link* link, batch& b);
  // The batch from take() is out: `bytes` and `messages` as in the batch.
  void written(const transport_link* link, std::size_t bytes, std::size_t messages);
  // Long polling: no poll to write to now; the next enqueue wakes the link again.
  void idle(const transport_link* link);
  // Long polling: between polls the transport is "detached" (disconnect_timeout applies).
  void set_detached(const transport_link* link, bool detached, std::int64_t now);
  void touch_received(std::int64_t now) noexcept { last_received_.store(now, std::memory_order_relaxed); }
  std::shared_ptr<transport_link> link() const;
  // SSE/long polling sends: one POST at a time.
  bool begin_post() noexcept { return !post_active_.exchange(true); }
  void end_post() noexcept { post_active_.store(false); }

  // ---- lifecycle (any thread)
  // Queues the Close record (when `close_message` and the protocol allows), then ends the transport after
  // everything queued was written. Idempotent.
  void begin_close(std::optional<std::string> error, close_cause cause, bool close_message,
                   bool allow_reconnect = false);
  // Drops the transport now and finalises.
  void abort(std::optional<std::string> error, close_cause cause);
  // The client does not read its messages: forget what is queued (but not what is being written), queue the
  // Close message with `error`, and end the transport after it (bounded by the closing grace).
  void close_slow(std::string error);
  // Periodic sweep: keep-alive, timeouts, stalls.
  void tick(std::int64_t now);

  // ---- handing an open stateful WebSocket connection to another endpoint (handover.cpp)
  struct reconnect_state {
    std::int64_t next_outbound_seq = 1;
    std::int64_t last_inbound_seq = 0;
    std::vector<std::pair<std::int64_t, shared_bytes>> unacked;  // oldest first
  };
  // Any thread, atomic with respect to enqueue(): the session stops here without finalising (no Close, no
  // deliver_closed): later sends are refused, later input is ignored, its transport is handed to `link_out`
  // (may be null) and it leaves the connection table. nullopt when not an open stateful WebSocket session.
  std::optional<reconnect_state> detach_for_export(std::shared_ptr<transport_link>& link_out);
  // Before the session is visible: the state of a stateful session whose WebSocket just dropped.
  void restore_detached(reconnect_state state);

 protected:
  // ---- for subclasses (on the strand unless noted)
  virtual void opened_transport() {}  // the first transport is attached
  virtual void deliver_closed(std::optional<std::string> error) = 0;  // once, from finalize()
  // The Close record for the protocol, or null (raw connections, no handshake yet). Under the mutex.
  virtual shared_bytes close_record(const std::optional<std::string>& error, bool allow_reconnect) = 0;
  virtual shared_bytes sequence_record(std::int64_t next) { (void)next; return nullptr; }
  virtual bool binary_records() const noexcept { return false; }
  virtual bool uses_handshake() const noexcept { return false; }
  virtual void on_tick(std::int64_t now) { (void)now; }  // open sessions only, sweep thread

  // Thread-safe: queues bytes (bounded); false when closed or overflowing (the session is then closed).
  // `message`: a hub invocation, counted in the sent-messages metric when written.
  bool enqueue(const shared_bytes& bytes, bool binary, bool trackable, bool message = false);
  void set_open();
  void enable_reconnect_buffer();
  void ack_outbound(std::int64_t seq);
  // Stateful sessions, on the strand: inbound records up to id `seq` are handed to the hub layer now; false once
  // the session was exported (the batch is dropped: the client replays it to the endpoint the session moved to).
  bool deliver_inbound(std::int64_t seq);
  // The highest inbound id handed to the hub layer (what an Ack reports). Any thread.
  std::int64_t delivered_inbound() const noexcept { return delivered_in_.load(std::memory_order_acquire); }
  bool reconnect_enabled() const noexcept { return reconnect_.load(std::memory_order_acquire); }
  bool slot_stateful() const noexcept { return slot_->stateful; }
  bool detached() const noexcept { return detached_since_.load(std::memory_order_relaxed) != 0; }

  std::atomic<std::int64_t> created_;
  std::atomic<std::int64_t> last_received_;
  connection_info info_;

 private:
  void finalize(std::optional<std::string> error);  // on the strand, once
  void update_stall(std::int64_t now);              // under mu_
  bool set_cause(close_cause cause);  // false when a cause was already recorded

  std::shared_ptr<connection_slot> slot_;
  transport_kind transport_;
  boost::asio::any_io_executor exec_;
  std::int64_t send_seq_ = 0;              // under mu_
  bool exported_ = false;                  // under mu_: handed to another endpoint (detach_for_export)
  bool aborting_ = false;                  // under mu_
  std::optional<std::string> close_error_;  // under mu_

  std::atomic<bool> reconnect_{false};
  std::atomic<std::int64_t> delivered_in_{0};  // written under mu_
  std::atomic<bool> post_active_{false};
  std::atomic<std::int64_t> closing_since_{0};
  std::atomic<std::int64_t> detached_since_{0};
  std::atomic<bool> has_cause_{false};
  std::atomic<close_cause> cause_{close_cause::client};
  bool finalized_ = false;  // on the strand
};

}  // namespace actorhub::transport
