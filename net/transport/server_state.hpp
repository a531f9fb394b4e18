// What every part of the transport shares: options, the io_context, registered hubs, routes, the connection
// table. Sessions hold it by shared_ptr, so the io_context outlives every strand and socket that uses it.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
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
