// One metrics registry per process; every layer records through it; `expose` serves GET /metrics.
// Hot paths hold a hub_metrics& (resolved once per connection) and only do atomic increments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>

namespace prometheus {
class Registry;
class Exposer;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace actorhub {

class metrics_endpoint;

// Why a client connection ended: label `reason` of actorhub_connections_closed_total.
enum class close_reason : std::uint8_t {
  client,          // the client closed it (Close message, WebSocket close, DELETE, dropped TCP connection)
  server,          // the application closed it (hub_connection::close, a refused connection)
  shutdown,        // the server is stopping
  slow,            // the client did not read its messages (send timeout or outbound byte cap)
  protocol_error,  // malformed or oversize input
  timeout,         // the client sent nothing for the client timeout
  handshake,       // no or a rejected hub protocol handshake
  count_
};
const char* close_reason_name(close_reason r) noexcept;
constexpr std::size_t close_reason_count = static_cast<std::size_t>(close_reason::count_);

// Why the server turned a request or connection attempt away: label `limit` of actorhub_limit_rejections_total.
enum class limit_kind : std::uint8_t {
  header_size,        // request header bytes over max_header_bytes (431)
  header_count,       // more header fields than max_header_count (431)
  body_size,          // request body over max_request_body (413)
  connections,        // TCP connections over max_connections (503, or not accepted)
  pending,            // negotiated connections waiting over max_pending_connections (503)
  long_polls,         // concurrent polls of one connection over max_polls_per_connection (409)
  accept_exhausted,   // accept() failed for lack of file descriptors or memory (accepting paused)
  origin,             // a browser Origin that is not allowed (403)
  count_
};
const char* limit_name(limit_kind k) noexcept;
constexpr std::size_t limit_kind_count = static_cast<std::size_t>(limit_kind::count_);

// The metric children of one hub (label hub="testhub").
struct hub_metrics {
  prometheus::Gauge* connections;             // actorhub_connections
  prometheus::Counter* messages_received;     // actorhub_messages_received_total (Invocation + StreamInvocation)
  prometheus::Counter* messages_sent;         // actorhub_messages_sent_total (Invocation, one per recipient)
  prometheus::Counter* bytes_received;        // actorhub_received_bytes_total
  prometheus::Counter* bytes_sent;            // actorhub_sent_bytes_total
  prometheus::Counter* handshake_failures;    // actorhub_handshake_failures_total
  prometheus::Counter* closed_slow;           // actorhub_connections_closed_slow_total
  prometheus::Counter* closed_protocol_error; // actorhub_connections_closed_error_total
  prometheus::Counter* forwarded_requests;    // actorhub_forwarded_requests_total (served by another endpoint)
  prometheus::Counter* forwarded_bytes;       // actorhub_forwarded_bytes_total (relayed, both directions)
  prometheus::Counter* closed[close_reason_count];  // actorhub_connections_closed_total{reason}

  void connection_opened();
  void connection_closed();
  void received(std::size_t invocations, std::size_t bytes);
  void sent(std::size_t invocations, std::size_t bytes);
  // Once per connection, when it has ended.
  void connection_ended(close_reason why);
};

class metrics {
 public:
  metrics();
  ~metrics();
  metrics(const metrics&) = delete;
  metrics& operator=(const metrics&) = delete;

  // Stable reference for the process lifetime; thread-safe.
  hub_metrics& hub(std::string_view hub_name);
  // actorhub_invocation_duration_seconds{hub,method}; thread-safe; stable for the process lifetime.
  prometheus::Histogram& invocation_duration(std::string_view hub_name, std::string_view method);
  void observe_invocation(std::string_view hub_name, std::string_view method, double seconds);
  // actorhub_slow_handlers_total{hub,handler} += 1 (once per handler: the dispatch reports each once).
  void slow_handler(std::string_view hub_name, std::string_view handler);
  // actorhub_app_servers (gateway only: the family appears once this is first called).
  prometheus::Gauge& app_servers();
  // actorhub_limit_rejections_total{limit}: requests and connections turned away by a limit (process-wide).
  void rejected(limit_kind k);
  prometheus::Counter& rejections(limit_kind k);
  // actorhub_tcp_connections: accepted TCP connections open now (process-wide).
  prometheus::Gauge& tcp_connections();

  // The Prometheus text exposition (format 0.0.4) of everything registered, with a `# TYPE` line for every
  // actorhub family even before it has samples. This is the body `expose` serves.
  std::string scrape() const;

  std::shared_ptr<prometheus::Registry> registry() const noexcept { return registry_; }

  // Serves GET /metrics on "host:port"; returns an error (bad address, port in use) instead of throwing.
  std::error_code expose(const std::string& host, std::uint16_t port);
  std::uint16_t exposed_port() const;

  // Distinct (hub, method) histogram series allowed; later method names share method="(other)" so that
  // clients invoking made-up method names cannot grow memory.
  static constexpr std::size_t max_duration_series = 1000;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<metrics_endpoint> endpoint_;
  struct families;
  std::unique_ptr<families> families_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<hub_metrics>> hubs_;
  std::unordered_map<std::string, prometheus::Histogram*> durations_;
};

}  // namespace actorhub
