// What every part of the transport shares: options, the io_context, registered hubs, routes, the connection
// table. Sessions hold it by shared_ptr, so the io_context outlives every strand and socket that uses it.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include "net/encoded_message.hpp"
#include <actorhub/http_types.hpp>
#include "net/hub_connection.hpp"
#include <actorhub/raw_connection.hpp>
#include "net/server.hpp"
#include <actorhub/server_options.hpp>
#include "net/transport/connection_table.hpp"
#include "net/transport/forward.hpp"
#include "net/transport/handover.hpp"
#include "net/transport/wake_queue.hpp"

#include "monitoring/metrics.hpp"

namespace actorhub {
struct hub_metrics;
}

namespace actorhub::transport {

// An io_context whose pending handlers can be destroyed early (they may hold sessions that hold this).
class io_runtime : public boost::asio::io_context {
 public:
  using io_context::io_context;
  void destroy_pending_handlers() { shutdown(); }
};

enum class transport_kind : std::uint8_t { websockets, server_sent_events, long_polling };
const char* transport_name(transport_kind k) noexcept;
unsigned transport_bit(transport_kind k) noexcept;

struct hub_entry {
  std::string path;  // lower case, no trailing slash: "/testhub"
  std::string name;  // the path without the leading '/': "testhub"
  std::shared_ptr<hub_endpoint> hub;  // exactly one of hub / raw is set
  std::shared_ptr<raw_endpoint> raw;
  unsigned transports = all_transports;
  hub_metrics* metrics = nullptr;  // null without a metrics registry

  bool requires_authentication() const noexcept {
    return hub ? hub->requires_authentication() : raw ? raw->requires_authentication() : true;
  }
};

struct static_mount {
  std::string prefix;
  std::filesystem::path dir;
};

using negotiate_decorator = std::function<void(const http_request&, http_response&)>;

struct server_state;
class tls_config;

// One accepted TCP connection, counted in server_state::tcp_open while whoever owns the socket holds it
// (the HTTP session, then the WebSocket link).
class tcp_ticket {
 public:
  explicit tcp_ticket(std::shared_ptr<server_state> st);
  ~tcp_ticket();
  tcp_ticket(const tcp_ticket&) = delete;
  tcp_ticket& operator=(const tcp_ticket&) = delete;

 private:
  std::shared_ptr<server_state> st_;
};
using tcp_ticket_ptr = std::unique_ptr<tcp_ticket>;

// A warning that says once what happened, then stays quiet while it keeps happening: `hit` logs the first
// occurrence and then at most one summary per `every_ms`; `clear` logs the recovery when there was an episode.
class episode_log {
 public:
  void hit(struct server_state& st, std::int64_t now, const std::string& what);
  void clear(struct server_state& st, const std::string& what);

 private:
  std::mutex mu_;
  std::atomic<bool> active_{false};
  std::int64_t last_ = 0;
  std::uint64_t count_ = 0;
};

struct server_state {
  server_state(server_options o, std::shared_ptr<class metrics> m);

  server_options opts;
  std::shared_ptr<class metrics> metrics;
  io_runtime ioc;

  std::vector<std::unique_ptr<hub_entry>> hubs;  // fixed before listen()
  std::vector<std::pair<std::string, http_handler>> routes;
  std::vector<static_mount> statics;
  std::function<std::string()> health;
  negotiate_decorator decorate_negotiate;
  server::negotiate_override override_negotiate;  // hosted mode (server.hpp)

  connection_table connections;
  forwarding forwards;  // the locator and the live reverse proxies (forward.hpp)
  held_exports exported;  // exported connections whose client socket is still open (handover.hpp)
  wake_queue wakes{ioc};  // one I/O thread: batched transport wake-ups
  std::atomic<bool> stopping{false};
  const encoded_ptr ping;  // encoded once per protocol, shared by every keep-alive
  std::shared_ptr<tls_config> tls;       // set when the endpoint serves HTTPS/WSS
  std::atomic<std::size_t> tcp_open{0};  // accepted TCP connections open now (tcp_ticket)
  std::size_t connection_limit = 0;      // max_connections, or derived from RLIMIT_NOFILE
  episode_log connections_full_log, pending_full_log, accept_failed_log;

  // One warning line (options.log, else stderr).
  void warn(std::string_view line) const;
  // Counts a refusal in actorhub_limit_rejections_total{limit} (no-op without metrics).
  void rejected(limit_kind k) const;

  // The hub at `lower_path` ("/testhub"), or null.
  const hub_entry* find_hub(std::string_view lower_path) const noexcept;
  // Longest route prefix matching `path`, or null.
  const http_handler* find_route(std::string_view path) const noexcept;
  // The executor for a new connection's handlers: a strand with several I/O threads; with one thread the
  // io_context itself (a strand would only add a lock and a queue hop per handler).
  boost::asio::any_io_executor connection_executor();
  // Sweep period: fine enough for the shortest timeout, at most one second.
  std::int64_t sweep_period_ms() const noexcept;
};

}  // namespace actorhub::transport
