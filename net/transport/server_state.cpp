// Shared transport state (see server_state.hpp).
#include "net/transport/server_state.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include <sys/resource.h>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

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
      ping(encode(ping_message{})) {
  connection_limit = opts.max_connections;
  if (connection_limit == 0) {
    // Keep 128 descriptors for everything else (CAF, metrics, logs, files served, refused connections that
    // linger for their 503); with a small limit, half of it.
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
      auto cur = static_cast<std::size_t>(rl.rlim_cur);
      connection_limit = cur > 512 ? cur - 128 : std::max<std::size_t>(cur / 2, 1);
    } else {
      connection_limit = 1'000'000;
    }
  }
}

void server_state::warn(std::string_view line) const {
  if (opts.log) {
    opts.log(line);
  } else {
    std::fprintf(stderr, "actorhub: %.*s\n", static_cast<int>(line.size()), line.data());
  }
}

void server_state::rejected(limit_kind k) const {
  if (metrics) metrics->rejected(k);
}

tcp_ticket::tcp_ticket(std::shared_ptr<server_state> st) : st_(std::move(st)) {
  st_->tcp_open.fetch_add(1, std::memory_order_relaxed);
  if (st_->metrics) st_->metrics->tcp_connections().Increment();
}

tcp_ticket::~tcp_ticket() {
  st_->tcp_open.fetch_sub(1, std::memory_order_relaxed);
  if (st_->metrics) st_->metrics->tcp_connections().Decrement();
}

void episode_log::hit(server_state& st, std::int64_t now, const std::string& what) {
  std::string line;
  {
    std::lock_guard<std::mutex> lk(mu_);
    ++count_;
    if (!active_) {
      active_ = true;
      last_ = now;
      count_ = 1;
      line = what;
    } else if (now - last_ >= 10'000) {
      line = what + " (" + std::to_string(count_) + " times in the last " + std::to_string((now - last_) / 1000) + " s)";
      last_ = now;
      count_ = 0;
    }
  }
  if (!line.empty()) st.warn(line);
}

void episode_log::clear(server_state& st, const std::string& what) {
  if (!active_.load(std::memory_order_relaxed)) return;  // the common case: nothing to report, no lock
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (!active_) return;
    active_ = false;
  }
  st.warn(what);
}

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
