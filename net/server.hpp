// The HTTP front end: negotiate, WebSockets (then SSE and long polling), the hub protocol framing and
// handshake, keep-alive and timeouts, custom routes and static files. It knows hubs only as hub_endpoint.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <actorhub/http_routes.hpp>
#include <actorhub/http_types.hpp>
#include <actorhub/raw_connection.hpp>
#include <actorhub/server_options.hpp>
#include <actorhub/transports.hpp>
#include "net/hub_connection.hpp"

namespace actorhub {

class metrics;  // monitoring/metrics.hpp

class server final : public http_routes {
 public:
  server(server_options opts, std::shared_ptr<metrics> m = nullptr);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Registers a hub at `path` ("/testhub"; matched case-insensitively). Before listen().
  void add_hub(std::string path, std::shared_ptr<hub_endpoint> hub, unsigned transports = all_transports);
  void add_route(std::string prefix, http_handler handler) override;
  void serve_static(std::string prefix, std::filesystem::path dir) override;
  // Body of `GET /healthz` (a JSON object); the default is {"status":"ok"}. A route registered for
  // "/healthz" with add_route takes precedence (e.g. to answer 503).
  void set_health(std::function<std::string()> body);
  void add_raw_endpoint(std::string path, std::shared_ptr<raw_endpoint> endpoint,
                        unsigned transports = all_transports) override;
  void set_negotiate_decorator(std::function<void(const http_request&, http_response&)> decorate) override;

  // Hosted mode: answers `POST {hub}/negotiate` of a hub (not a raw endpoint) instead of the built-in negotiate,
  // once the request's token (if any) was accepted; `user_id`/`claims` are the caller's. A response replaces the
  // built-in one (an app server redirects to its gateway; a gateway refuses a token meant for another URL),
  // nullopt keeps it. The negotiate decorator still runs. Before listen().
  using negotiate_override = std::function<std::optional<http_response>(
      const http_request& req, const hub_endpoint& hub, const std::string& user_id, const object& claims)>;
  void set_negotiate_override(negotiate_override handler);

  // Transport requests whose `id` this endpoint does not know are forwarded to the client endpoint
  // ("host:port") the locator names for it (no sticky sessions in a cluster). Thread-safe.
  void set_locator(std::function<std::optional<std::string>(std::string_view token)> locator);

  // Binds and listens; returns an error (e.g. address in use) instead of throwing.
  std::error_code listen();
  std::uint16_t port() const noexcept override;

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
