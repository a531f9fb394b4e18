// A node: one actorhub process. It owns the actor system, the client endpoint, the metrics and the hubs, and
// runs them from start to a graceful stop. Every deployment model is a configuration of it (node_options.hpp);
// the hub code is the same in all of them.
//
//   actorhub::node n(options);
//   n.add_hub(std::move(chat));              // served at "/chat"
//   n.http().serve_static("/", web_dir);      // optional extras on the client endpoint
//   if (auto ec = n.start()) { ...; return 1; }
//   return n.run();                          // until SIGTERM/SIGINT or stop()
#pragma once

#include <memory>
#include <string>
#include <system_error>

#include <caf/fwd.hpp>

#include <actorhub/http_routes.hpp>
#include <actorhub/hub.hpp>
#include <actorhub/hub_context.hpp>
#include <actorhub/node_options.hpp>
#include <actorhub/transports.hpp>

namespace actorhub {

class node {
 public:
  // Blocks SIGINT and SIGTERM in the calling thread (and so in every thread started afterwards): run() receives
  // them. Construct the node before starting other threads.
  explicit node(node_options opts = {});
  ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  // Serves `h` at "/" + its name (before start()). The context sends to the hub's clients from anywhere.
  hub_context add_hub(hub h, unsigned transports = all_transports);
  // Serves an added hub at another path too (same connections, users and groups).
  void map_hub(std::string path, const std::string& hub_name, unsigned transports = all_transports);
  // The context of an added hub; an empty context for an unknown name.
  hub_context context(const std::string& hub_name) const;

  // Routes, static files and raw endpoints on the client endpoint (before start()).
  http_routes& http();
  // The actor system, for the application's own actors.
  caf::actor_system& system() noexcept;
  const node_options& options() const noexcept;
  // The node's name (node_options::name, or the one chosen for it).
  const std::string& name() const noexcept;
  // The bound port of GET /metrics once started (0 when not exposed).
  std::uint16_t metrics_port() const;

  // Binds the client endpoint and the metrics endpoint. Returns the error instead of throwing; `what`
  // (optional) names the address that failed ("http 127.0.0.1:5000", "metrics 127.0.0.1:9100").
  std::error_code start(std::string* what = nullptr);
  // Serves until SIGTERM/SIGINT or stop(); then closes every client (Close message), stops the hubs and
  // returns 0. Calls start() first if needed (1 when that fails).
  int run();
  // Thread-safe; makes run() return.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace actorhub
