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
  // Body of `GET /healthz` (a JSON object); the default is {"status":"ok"}.
  void set_health(std::function<std::string()> body);

  // Binds and listens; returns an error (e.g. address in use) instead of throwing.
  std::error_code listen();
  std::uint16_t port() const noexcept;  // the bound port (useful with port 0)

  // Runs the I/O threads; returns after stop() has completed.
  void run();
  // Thread-safe: sends every client a Close message, closes transports, stops accepting, ends run().
  void stop();

  const server_options& options() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace actorhub
