// A tiny HTTP server for GET /metrics (civetweb, its own threads; no Asio, no actors).
// prometheus::Exposer answers `text/plain; charset=utf-8`; Prometheus' text format 0.0.4 wants
// `text/plain; version=0.0.4`, so we serve the body ourselves with the right content type.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <system_error>

struct mg_context;
struct mg_connection;

namespace actorhub {

class metrics_endpoint {
 public:
  using body_source = std::function<std::string()>;

  explicit metrics_endpoint(body_source source);
  ~metrics_endpoint();
  metrics_endpoint(const metrics_endpoint&) = delete;
  metrics_endpoint& operator=(const metrics_endpoint&) = delete;

  // Listens on "host:port" (IPv4 literal or "localhost"; port 0 picks a free port).
  // Errors: std::errc::invalid_argument for a malformed address, the bind errno otherwise.
  std::error_code start(std::string host, std::uint16_t port);
  void stop();
  std::uint16_t port() const noexcept { return port_; }

 private:
  static int handle(mg_connection* conn, void* self);

  body_source source_;
  mg_context* context_ = nullptr;
  std::string host_;
  std::uint16_t port_ = 0;
};

}  // namespace actorhub
