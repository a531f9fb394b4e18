#pragma once
// One client connection: non-blocking TCP, optional SignalR negotiate (HTTP/1.1 POST, kept alive and reused for
// the transport request when the server allows), then one of three SignalR transports:
//   WebSockets         upgrade, hub handshake (SignalR) or engine.io/socket.io connect, then WebSocket messages
//   Server-Sent Events GET {path}?id= with Accept: text/event-stream on the negotiate socket: one endless
//                      (chunked) stream of `data:` events, each one or more hub messages
//   long polling       GET {path}?id= on the negotiate socket, again after every answer (200 with messages,
//                      200 empty at the server's poll timeout, 204 when the server ends the connection)
// For SSE and long polling the client's messages go out as POST {path}?id= on a second kept-alive socket, one
// POST in flight at a time (SignalR answers 409 to a concurrent one): whatever is queued meanwhile goes out in
// the next POST's body. Writes queued in one loop iteration go out in one send().
#include <netinet/in.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "event_loop.hpp"
#include "http_parse.hpp"
#include "wire.hpp"

namespace bench {

enum class transport_kind { websockets, sse, long_polling };
const char* transport_name(transport_kind t);

struct target {
  sockaddr_in addr{};
  std::string host_header;  // "127.0.0.1:5000"
  std::string path;         // "/testhub" (SignalR) or "/" (ws peer); socket.io ignores it
  wire dialect = wire::signalr_json;
  transport_kind transport = transport_kind::websockets;  // SSE and long polling: SignalR only
  bool negotiate = true;  // SignalR only: POST {path}/negotiate?negotiateVersion=1 first (always for SSE/LP)
  int64_t setup_timeout_ns = 20'000'000'000;
};

class connection;
class post_channel;

class connection_events {
 public:
  virtual ~connection_events() = default;
  virtual void on_open(connection& c) = 0;
  virtual void on_record(connection& c, const incoming& in) = 0;
  // failed: the connection never opened or was dropped; why: short reason.
  virtual void on_closed(connection& c, bool failed, const char* why) = 0;
};

class connection final : public io_handler {
 public:
  enum class state { idle, connecting, negotiating, upgrading, handshaking, open, closing, closed };

  connection(event_loop& loop, const target& t, connection_events& ev, uint32_t index);
  ~connection() override;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  void start(in_addr source);  // from idle or closed
  void invoke(std::string_view method, std::initializer_list<std::string_view> args, int64_t id);
  void ping();
  // WebSockets: Close frame, the server closes TCP first. SSE: the client drops the stream (as SignalR clients
  // do). Long polling: DELETE, then the pending poll's 204.
  void close_gracefully();
  void abort();             // close the socket now
  // Fails a connection whose setup or graceful close is past its deadline.
  void check_deadline(int64_t now);

  state current() const { return state_; }
  bool is_open() const { return state_ == state::open; }
  uint32_t index() const { return index_; }
  int64_t started_ns() const { return started_ns_; }
  int64_t last_send_ns() const { return last_send_ns_; }

  // Scenario bookkeeping, owned by the scenario running this connection.
  uint64_t next_seq = 0;
  uint32_t outstanding = 0;
  uint64_t last_seq_seen = 0;
  bool any_seen = false;
  std::vector<uint64_t> seen;  // bitmap of received sequence numbers (broadcast/groups)
  int user_state = 0;

 private:
  friend class post_channel;
  void on_io(uint32_t events) override;
  void on_deferred() override;
  bool open_socket();
  void on_connected();
  void on_readable();
  std::size_t consume(const char* data, std::size_t size);  // returns bytes used
  std::size_t consume_http(std::string_view data);
  std::size_t consume_ws(std::string_view data);
  std::size_t consume_transport_answer(std::string_view data);  // SSE / first long poll: the answer's head
  std::size_t consume_sse(std::string_view data);
  std::size_t consume_polls(std::string_view data);
  bool on_message(std::string_view payload);  // one WebSocket message, SSE event or poll body
  void on_handshake_frame(std::string_view payload);
  void send_negotiate();
  void send_transport_request();  // after negotiate: WebSocket upgrade, SSE GET or the first poll
  void send_poll();
  void send_handshake();
  void send_frame(int opcode, std::string_view payload);
  void send_message(std::string_view msg);
  void queue_write();
  void flush();
  void update_interest();
  void close_socket();
  void finish(bool failed, const char* why);

  event_loop& loop_;
  const target& target_;
  connection_events& events_;
  uint32_t index_;
  in_addr source_{};
  int fd_ = -1;
  state state_ = state::idle;
  bool want_write_ = false;
  bool deferred_ = false;
  bool reconnect_for_upgrade_ = false;
  bool closed_by_us_ = false;
  int64_t started_ns_ = 0;
  int64_t deadline_ns_ = 0;
  int64_t last_send_ns_ = 0;
  uint32_t mask_state_;
  std::string token_;
  std::string in_;    // unparsed bytes carried to the next read
  std::string out_;   // bytes not yet accepted by the socket
  std::string frag_;  // fragmented WebSocket message being assembled
  int frag_opcode_ = 0;
  // SSE and long polling
  std::unique_ptr<post_channel> post_;  // the POST socket, made on first use and kept for the next cycles
  bool sse_chunked_ = false;
  chunked_decoder sse_chunks_;
  sse_parser sse_;
  std::string sse_text_;  // decoded stream text not yet parsed into events
  std::string body_;      // scratch: one long-poll or negotiate body
};

}  // namespace bench
