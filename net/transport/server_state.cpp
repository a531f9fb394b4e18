// Shared transport state (see server_state.hpp).
#include "net/transport/server_state.hpp"

#include <algorithm>

#include <boost/asio/strand.hpp>

#include "net/transport/session.hpp"

namespace actorhub::transport {

const char* transport_name(transport_kind k) noexcept {
  switch (k) {
    case transport_kind::websockets:
      return "WebSockets";
    case transport_kind::server_sent_events:
      return "ServerSentEvents";
    case transport_kind::long_polling:
    default:
      return "LongPolling";
  }
}

unsigned transport_bit(transport_kind k) noexcept {
  switch (k) {
    case transport_kind::websockets:
      return transport_websockets;
    case transport_kind::server_sent_events:
      return transport_server_sent_events;
    case transport_kind::long_polling:
    default:
      return transport_long_polling;
  }
}

server_state::server_state(server_options o, std::shared_ptr<class metrics> m)
    : opts(std::move(o)),
      metrics(std::move(m)),
      ioc(static_cast<int>(std::max(1u, opts.io_threads))),
      connections(opts.max_pending_connections),
      ping(encode(ping_message{})) {}

boost::asio::any_io_executor server_state::connection_executor() {
  if (opts.io_threads > 1) return boost::asio::make_strand(ioc);
  return ioc.get_executor();
}

const hub_entry* server_state::find_hub(std::string_view lower_path) const noexcept {
  for (const auto& h : hubs)
    if (h->path == lower_path) return h.get();
  return nullptr;
}

const http_handler* server_state::find_route(std::string_view path) const noexcept {
  const http_handler* best = nullptr;
  std::size_t best_len = 0;
  for (const auto& [prefix, handler] : routes) {
    if (path.substr(0, prefix.size()) == prefix && (best == nullptr || prefix.size() > best_len)) {
      best = &handler;
      best_len = prefix.size();
    }
  }
  return best;
}

std::int64_t server_state::sweep_period_ms() const noexcept {
  std::int64_t shortest = 1000;
  for (auto t : {opts.keep_alive_interval, opts.client_timeout, opts.handshake_timeout, opts.send_timeout,
                 opts.negotiate_timeout, opts.disconnect_timeout, opts.poll_timeout})
    if (t.count() > 0) shortest = std::min<std::int64_t>(shortest, t.count() / 4);
  return std::clamp<std::int64_t>(shortest, 10, 1000);
}

}  // namespace actorhub::transport
