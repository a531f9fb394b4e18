// The process-level runtime: the actor system, the HTTP/WebSocket server, the metrics, and the hubs.
//
//   actorhub::runtime rt(opts);
//   rt.add_hub(std::move(chat));            // served at "/chat"
//   rt.http().serve_static("/", web_dir);
//   if (auto ec = rt.start()) { ...; return 1; }   // binds the port(s)
//   return rt.run();                        // until SIGTERM/SIGINT or stop()
#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"

#include "actors/hub.hpp"
#include "actors/hub_context.hpp"
#include "actors/hub_host.hpp"
#include "monitoring/metrics.hpp"
#include "net/server.hpp"

namespace actorhub {

struct runtime_options {
  server_options server;
  std::size_t actor_threads = 2;  // CAF scheduler threads (policy `sharing`)
  std::string metrics_address;    // "127.0.0.1:9100" serves GET /metrics there; empty: not exposed
  router_factory make_router;     // the router of each hub (cluster, gateway); empty: the local hub actor
};

class runtime {
 public:
  // Blocks SIGINT and SIGTERM in the calling thread (and so in every thread started afterwards): run()
  // receives them. Construct the runtime before starting other threads.
  explicit runtime(runtime_options opts = {});
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  // Serves `h` at "/" + its name. Before start().
  hub_context add_hub(hub h, unsigned transports = all_transports);
  // Serves an already added hub at another path too (same connections, users and groups).
  void map_hub(std::string path, const std::string& hub_name, unsigned transports = all_transports);
  // The context of an added hub; an empty context for an unknown name.
  hub_context context(const std::string& hub_name) const;

  server& http() noexcept { return *server_; }
  caf::actor_system& system() noexcept { return sys_; }
  actorhub::metrics& metrics() noexcept { return *metrics_; }
  const runtime_options& options() const noexcept { return opts_; }

  // Binds the HTTP port (and the metrics port). Returns the error instead of throwing; `what` (optional) names
  // the address that failed ("http 127.0.0.1:5000" / "metrics 127.0.0.1:9100").
  std::error_code start(std::string* what = nullptr);
  // Serves until SIGTERM/SIGINT or stop(); then closes every client (Close message), stops the hubs and
  // returns 0. Calls start() first if needed (1 when that fails).
  int run();
  // Thread-safe; makes run() return.
  void stop();

 private:
  runtime_options opts_;
  caf::actor_system_config cfg_;
  caf::actor_system sys_;  // before the server: sessions (and their actor handles) go first
  std::shared_ptr<actorhub::metrics> metrics_;
  std::map<std::string, std::shared_ptr<hub_host>> hosts_;  // by hub name
  std::unique_ptr<server> server_;
  bool started_ = false;
  std::atomic<bool> stopping_{false};
};

}  // namespace actorhub
