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

  void connection_opened();
  void connection_closed();
  void received(std::size_t invocations, std::size_t bytes);
  void sent(std::size_t invocations, std::size_t bytes);
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
