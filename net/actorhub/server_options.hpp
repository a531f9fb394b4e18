// Tunables of the HTTP/WebSocket front end. Defaults are ASP.NET Core SignalR's.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace actorhub {

struct server_options {
  std::string address = "127.0.0.1";
  std::uint16_t port = 5000;
  unsigned io_threads = 1;  // threads running the io_context

  std::chrono::milliseconds keep_alive_interval{15'000};  // server Ping when nothing else was sent
  std::chrono::milliseconds client_timeout{30'000};       // close when the client sent nothing
  std::chrono::milliseconds handshake_timeout{15'000};
  std::chrono::milliseconds send_timeout{10'000};         // a client that cannot drain its queue is closed
  std::chrono::milliseconds negotiate_timeout{15'000};    // negotiated id never used: forgotten
  std::chrono::milliseconds disconnect_timeout{15'000};   // SSE/LP: transport gone this long: connection ends
  std::chrono::milliseconds poll_timeout{90'000};         // long polling: an empty 200 after this long
  std::size_t max_message_size = 32 * 1024;               // largest hub message accepted
  std::size_t max_buffer = 64 * 1024;                     // outbound queue per connection
  std::size_t max_request_body = 1024 * 1024;             // POST bodies (sends over SSE/LP)
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_pending_connections = 100'000;          // negotiated but not yet connected
  std::size_t stateful_reconnect_buffer = 100'000;        // unacknowledged outbound bytes kept for a reconnect

  std::string access_key;  // HS256 key for access tokens; empty: every presented token is rejected

  // Starts every connectionId and connectionToken this endpoint issues (negotiate v0 and v1, WebSockets
  // without negotiate), before the unchanged random part: a cluster node's tag, so that any node can tell
  // from a token which node hosts the connection. Use URL-safe characters only (A-Z a-z 0-9 - _ . ~).
  std::string id_prefix;
};

}  // namespace actorhub
