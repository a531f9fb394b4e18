// Tunables of the HTTP/WebSocket front end. Defaults are ASP.NET Core SignalR's.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace actorhub {

struct server_options {
  std::string address = "127.0.0.1";
  std::uint16_t port = 5000;
  unsigned io_threads = 1;  // threads running the io_context

  std::chrono::milliseconds keep_alive_interval{15'000};  // server Ping when nothing else was sent
  std::chrono::milliseconds client_timeout{30'000};       // close when the client sent nothing
  std::chrono::milliseconds handshake_timeout{15'000};
  std::chrono::milliseconds negotiate_timeout{15'000};    // negotiated id never used: forgotten
  std::chrono::milliseconds disconnect_timeout{15'000};   // SSE/LP: transport gone this long: connection ends
  std::chrono::milliseconds poll_timeout{90'000};         // long polling: an empty 200 after this long
  std::size_t max_message_size = 32 * 1024;               // largest hub message accepted

  // ---- Slow consumers (docs/operations.md, "Slow clients"). A connection's outbound queue may hold up to
  // max_outbound_bytes; once it holds more than max_buffer, the client has send_timeout to bring it back
  // under max_buffer. Either limit exceeded: the client gets a Close message with the reason (and a WebSocket
  // Close 1008) if its socket still takes them, and the connection ends (reason "slow" in
  // actorhub_connections_closed_total). Broadcast bytes are shared between recipients, so a queue of
  // broadcasts costs about 40 bytes per queued message, not its size; unique messages cost their size.
  std::size_t max_buffer = 64 * 1024;                // queued bytes above which the send timeout runs
  std::size_t max_outbound_bytes = 1024 * 1024;      // hard cap of queued bytes per connection
  std::chrono::milliseconds send_timeout{10'000};   // longest time above max_buffer or in one stuck write
  int tcp_send_buffer = 0;  // SO_SNDBUF of client sockets in bytes; 0: the kernel's (autotuned) default

  // ---- Request limits (docs/operations.md, "Limits"); each refusal is counted in
  // actorhub_limit_rejections_total{limit}.
  std::size_t max_request_body = 1024 * 1024;  // POST bodies (sends over SSE/LP): 413 beyond
  std::size_t max_header_bytes = 16 * 1024;    // request line + header fields: 431 beyond
  std::size_t max_header_count = 100;          // header fields per request: 431 beyond
  // Open TCP connections on the client endpoint; beyond it a new connection gets 503 and is closed.
  // 0: derived from the open-files limit (RLIMIT_NOFILE): that limit less 128 descriptors kept for everything
  // else, or half of it when it is 512 or less.
  std::size_t max_connections = 0;
  std::size_t max_pending_connections = 100'000;  // negotiated but not yet connected: negotiate answers 503
  std::size_t stateful_reconnect_buffer = 100'000;  // unacknowledged outbound bytes kept for a reconnect
  std::chrono::milliseconds accept_backoff{100};    // out of file descriptors: pause accepting this long
  std::chrono::milliseconds request_idle_timeout{60'000};  // keep-alive HTTP connection with no request
  std::chrono::milliseconds request_read_timeout{15'000};  // a request's header + body must arrive in this

  // TLS (HTTPS and WSS on this endpoint, every transport): PEM files of the certificate chain and its key.
  // Both empty: plain HTTP. On SIGHUP (when tls_reload_on_sighup) both files are read again; new connections
  // use the new certificate, open ones keep theirs; a failed reload keeps the old one and logs why.
  std::string tls_cert_file;
  std::string tls_key_file;
  bool tls_reload_on_sighup = true;
  std::chrono::milliseconds tls_handshake_timeout{10'000};

  // Browser origins allowed to use the hub endpoints (negotiate, SSE, long polling, sends, the WebSocket
  // upgrade) from another origin, e.g. "https://app.example.com"; they get CORS headers with credentials.
  // "*": every origin, without credentials. Empty: same-origin pages and non-browser clients only; a
  // request with another Origin gets 403. (docs/operations.md, "Browsers")
  std::vector<std::string> cors_origins;
  // Error details (parser messages, exception texts) in what clients see; off: generic texts only.
  bool detailed_errors = false;

  // Warnings about the server's own health (limits reached, descriptors exhausted), one line each, rate-limited
  // by the server. Empty: written to stderr.
  std::function<void(std::string_view)> log;

  std::string access_key;  // HS256 key for access tokens; empty: every presented token is rejected

  // Starts every connectionId and connectionToken this endpoint issues (negotiate v0 and v1, WebSockets
  // without negotiate), before the unchanged random part: a cluster node's tag, so that any node can tell
  // from a token which node hosts the connection. Use URL-safe characters only (A-Z a-z 0-9 - _ . ~).
  std::string id_prefix;
};

// Why TLS files would not load (empty when they load, or when both names are empty): for checking a command
// line before starting.
std::string tls_files_error(const std::string& cert_file, const std::string& key_file);

}  // namespace actorhub
