// What an application may add to a node's client endpoint besides its hubs: plain HTTP routes, static files
// and raw connection endpoints. Everything here must be registered before the node starts.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <actorhub/http_types.hpp>
#include <actorhub/raw_connection.hpp>
#include <actorhub/transports.hpp>

namespace actorhub {

class http_routes {
 public:
  virtual ~http_routes() = default;

  // Requests whose path starts with `prefix` (and are no hub's) go to `handler`.
  virtual void add_route(std::string prefix, http_handler handler) = 0;
  // GET requests under `prefix` are served from files in `dir` ("/" serves dir/index.html).
  virtual void serve_static(std::string prefix, std::filesystem::path dir) = 0;
  // A raw connection endpoint at `path` (negotiate + transports, no hub protocol).
  virtual void add_raw_endpoint(std::string path, std::shared_ptr<raw_endpoint> endpoint,
                                unsigned transports = all_transports) = 0;
  // Runs on every negotiate response of a hub or raw endpoint (any status), e.g. to add Set-Cookie headers.
  virtual void set_negotiate_decorator(std::function<void(const http_request&, http_response&)> decorate) = 0;
  // The bound port once the node started (useful with port 0).
  virtual std::uint16_t port() const noexcept = 0;
};

}  // namespace actorhub
