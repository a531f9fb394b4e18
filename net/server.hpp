// The HTTP front end: negotiate, WebSockets (then SSE and long polling), the hub protocol framing and
// handshake, keep-alive and timeouts, custom routes and static files. It knows hubs only as hub_endpoint.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include "net/http_types.hpp"
#include "net/hub_connection.hpp"
#include "net/raw_connection.hpp"
#include "net/server_options.hpp"

namespace actorhub {

class metrics;  // monitoring/metrics.hpp

enum transport_set : unsigned {
  transport_websockets = 1u << 0,
  transport_server_sent_events = 1u << 1,
  transport_long_polling = 1u << 2,
  all_transports = transport_websockets | transport_server_sent_events | transport_long_polling,
};

class server {
 public:
  server(server_options opts, std::shared_ptr<metrics> m = nullptr);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Registers a hub at `path` ("/testhub"; matched case-insensitively). Before listen().
  void add_hub(std::string path, std::shared_ptr<hub_endpoint> hub, unsigned transports = all_transports);
  // Requests whose path starts with `prefix` (and are not hubs) go to `handler`. Before listen().
  void add_route(std::string prefix, http_handler handler);
  // GET requests under `prefix` are served from files in `dir` ("/" serves dir/index.html). Before listen().
  void serve_static(std::string prefix, std::filesystem::path dir);
  // Body of `GET /healthz` (a JSON object); the default is {"status":"ok"}. A route registered for
  // "/healthz" with add_route takes precedence (e.g. to answer 503).
  void set_health(std::function<std::string()> body);
  // A raw connection endpoint at `path` (negotiate + transports, no hub protocol). Before listen().
  void add_raw_endpoint(std::string path, std::shared_ptr<raw_endpoint> endpoint, unsigned transports = all_transports);
  // Called on every negotiate response of a registered hub/endpoint (any status), e.g. to add Set-Cookie
  // headers. Before listen().
  void set_negotiate_decorator(std::function<void(const http_request&, http_response&)> decorate);

  // Binds and listens; returns an error (e.g. address in use) instead of throwing.
  std::error_code listen();
  std::uint16_t port() const noexcept;  // the bound port (useful with port 0)

  // Runs the I/O threads (the caller's thread is one of them); returns after stop() has completed.
  // Destroy the server only after run() returned (or when it never ran).
  void run();
  // Thread-safe: sends every client a Close message, closes transports, stops accepting, ends run().
  void stop();

  const server_options& options() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace actorhub
