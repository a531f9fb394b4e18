#include "monitoring/metrics.hpp"

#include "monitoring/metrics_endpoint.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <sstream>

namespace actorhub {
namespace {

// 50 µs .. 10 s, roughly 1-2.5-5 per decade: fine resolution where in-process hub methods land.
const prometheus::Histogram::BucketBoundaries duration_buckets{
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};

constexpr const char* other_method = "(other)";

// Label hub = the hub's path without its slashes ("/testhub" -> "testhub").
std::string hub_label(std::string_view hub_name) {
  const auto first = hub_name.find_first_not_of('/');
  if (first == std::string_view::npos) return {};
  const auto last = hub_name.find_last_not_of('/');
  return std::string{hub_name.substr(first, last - first + 1)};
}

// Name, help and type of every actorhub family: registered up front and declared in every scrape.
struct family_spec {
  const char* name;
  const char* help;
  prometheus::MetricType type;
};
using prometheus::MetricType;
const family_spec connections_spec{"actorhub_connections", "Client connections currently open on this process",
                                   MetricType::Gauge};
const family_spec received_spec{"actorhub_messages_received_total",
                                "Invocation and StreamInvocation messages received from clients", MetricType::Counter};
const family_spec sent_spec{"actorhub_messages_sent_total",
                            "Invocation messages written to clients, one per recipient", MetricType::Counter};
const family_spec received_bytes_spec{"actorhub_received_bytes_total", "Hub protocol bytes received from clients",
                                      MetricType::Counter};
const family_spec sent_bytes_spec{"actorhub_sent_bytes_total", "Hub protocol bytes written to clients",
                                  MetricType::Counter};
const family_spec handshake_spec{"actorhub_handshake_failures_total", "Hub protocol handshakes that were rejected",
                                 MetricType::Counter};
const family_spec closed_slow_spec{"actorhub_connections_closed_slow_total",
                                   "Connections closed because they could not keep up with their outbound queue",
                                   MetricType::Counter};
const family_spec closed_error_spec{"actorhub_connections_closed_error_total",
                                    "Connections closed because of a protocol error (malformed, oversize, garbage)",
                                    MetricType::Counter};
const family_spec forwarded_spec{"actorhub_forwarded_requests_total",
                                 "Transport requests relayed to the client endpoint hosting their connection",
                                 MetricType::Counter};
const family_spec forwarded_bytes_spec{"actorhub_forwarded_bytes_total",
                                       "Bytes relayed for forwarded transport requests, both directions",
                                       MetricType::Counter};
const family_spec duration_spec{"actorhub_invocation_duration_seconds",
                                "Time from a decoded invocation to its completion being queued", MetricType::Histogram};
const family_spec slow_handlers_spec{"actorhub_slow_handlers_total",
                                    "Hub handlers found slow (they run on the blocking pool from then on)",
                                    MetricType::Counter};
const family_spec app_servers_spec{"actorhub_app_servers", "App-server processes connected to this gateway",
                                   MetricType::Gauge};

template <typename Builder>
auto& build(Builder builder, const family_spec& spec, prometheus::Registry& registry) {
  return builder.Name(spec.name).Help(spec.help).Register(registry);
}

prometheus::MetricFamily declaration(const family_spec& spec) {
  prometheus::MetricFamily f;
  f.name = spec.name;
  f.help = spec.help;
  f.type = spec.type;
  return f;
}

}  // namespace

struct metrics::families {
  explicit families(prometheus::Registry& r)
      : connections(build(prometheus::BuildGauge(), connections_spec, r)),
        messages_received(build(prometheus::BuildCounter(), received_spec, r)),
        messages_sent(build(prometheus::BuildCounter(), sent_spec, r)),
        bytes_received(build(prometheus::BuildCounter(), received_bytes_spec, r)),
        bytes_sent(build(prometheus::BuildCounter(), sent_bytes_spec, r)),
        handshake_failures(build(prometheus::BuildCounter(), handshake_spec, r)),
        closed_slow(build(prometheus::BuildCounter(), closed_slow_spec, r)),
        closed_error(build(prometheus::BuildCounter(), closed_error_spec, r)),
        forwarded(build(prometheus::BuildCounter(), forwarded_spec, r)),
        forwarded_bytes(build(prometheus::BuildCounter(), forwarded_bytes_spec, r)),
        invocation_duration(build(prometheus::BuildHistogram(), duration_spec, r)),
        slow_handlers(build(prometheus::BuildCounter(), slow_handlers_spec, r)) {}

  prometheus::Family<prometheus::Gauge>& connections;
  prometheus::Family<prometheus::Counter>& messages_received;
  prometheus::Family<prometheus::Counter>& messages_sent;
  prometheus::Family<prometheus::Counter>& bytes_received;
  prometheus::Family<prometheus::Counter>& bytes_sent;
  prometheus::Family<prometheus::Counter>& handshake_failures;
  prometheus::Family<prometheus::Counter>& closed_slow;
  prometheus::Family<prometheus::Counter>& closed_error;
  prometheus::Family<prometheus::Counter>& forwarded;
  prometheus::Family<prometheus::Counter>& forwarded_bytes;
  prometheus::Family<prometheus::Histogram>& invocation_duration;
  prometheus::Family<prometheus::Counter>& slow_handlers;
  prometheus::Family<prometheus::Gauge>* app_servers = nullptr;  // registered on first use (gateway)

  // Families that must show `# HELP`/`# TYPE` even while they have no samples yet.
  std::vector<prometheus::MetricFamily> declared() const {
    std::vector<prometheus::MetricFamily> all;
    for (const auto* spec : {&connections_spec, &received_spec, &sent_spec, &received_bytes_spec, &sent_bytes_spec,
                             &handshake_spec, &closed_slow_spec, &closed_error_spec, &forwarded_spec,
                             &forwarded_bytes_spec, &duration_spec,
                             &slow_handlers_spec})
      all.push_back(declaration(*spec));
    if (app_servers) all.push_back(declaration(app_servers_spec));
    return all;
  }
};

void hub_metrics::connection_opened() { connections->Increment(); }
void hub_metrics::connection_closed() { connections->Decrement(); }

void hub_metrics::received(std::size_t invocations, std::size_t bytes) {
  if (invocations) messages_received->Increment(static_cast<double>(invocations));
  if (bytes) bytes_received->Increment(static_cast<double>(bytes));
}

void hub_metrics::sent(std::size_t invocations, std::size_t bytes) {
  if (invocations) messages_sent->Increment(static_cast<double>(invocations));
  if (bytes) bytes_sent->Increment(static_cast<double>(bytes));
}

metrics::metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      families_(std::make_unique<families>(*registry_)) {}

metrics::~metrics() {
  // Stop serving before the families go away: a scrape may be running on a civetweb thread.
  if (endpoint_) endpoint_->stop();
}

hub_metrics& metrics::hub(std::string_view hub_name) {
  auto label = hub_label(hub_name);
  std::lock_guard<std::mutex> lock{mutex_};
  auto& slot = hubs_[label];
  if (!slot) {
    const prometheus::Labels labels{{"hub", label}};
    auto& f = *families_;
    slot = std::make_unique<hub_metrics>(hub_metrics{
        &f.connections.Add(labels),        &f.messages_received.Add(labels), &f.messages_sent.Add(labels),
        &f.bytes_received.Add(labels),     &f.bytes_sent.Add(labels),        &f.handshake_failures.Add(labels),
        &f.closed_slow.Add(labels),        &f.closed_error.Add(labels),      &f.forwarded.Add(labels),
        &f.forwarded_bytes.Add(labels)});
  }
  return *slot;
}

prometheus::Histogram& metrics::invocation_duration(std::string_view hub_name, std::string_view method) {
  auto label = hub_label(hub_name);
  std::string key = label;
  key.push_back('\0');  // cannot occur in a hub path, so (hub, method) pairs never collide
  key.append(method);
  std::lock_guard<std::mutex> lock{mutex_};
  if (auto it = durations_.find(key); it != durations_.end()) return *it->second;
  std::string method_label{method};
  if (durations_.size() >= max_duration_series) {
    method_label = other_method;
    key = label + '\0' + other_method;
    if (auto it = durations_.find(key); it != durations_.end()) return *it->second;
  }
  auto& histogram = families_->invocation_duration.Add({{"hub", label}, {"method", method_label}}, duration_buckets);
  durations_.emplace(std::move(key), &histogram);
  return histogram;
}

void metrics::observe_invocation(std::string_view hub_name, std::string_view method, double seconds) {
  invocation_duration(hub_name, method).Observe(seconds);
}

void metrics::slow_handler(std::string_view hub_name, std::string_view handler) {
  std::lock_guard<std::mutex> lock{mutex_};
  families_->slow_handlers.Add({{"hub", hub_label(hub_name)}, {"handler", std::string(handler)}}).Increment();
}

prometheus::Gauge& metrics::app_servers() {
  std::lock_guard<std::mutex> lock{mutex_};
  if (!families_->app_servers) {
    families_->app_servers = &build(prometheus::BuildGauge(), app_servers_spec, *registry_);
  }
  return families_->app_servers->Add({});
}

std::string metrics::scrape() const {
  auto collected = registry_->Collect();
  std::vector<prometheus::MetricFamily> declared;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    declared = families_->declared();
  }
  for (auto& family : declared) {
    const bool present = std::any_of(collected.begin(), collected.end(),
                                     [&](const auto& c) { return c.name == family.name; });
    if (!present) collected.push_back(std::move(family));
  }
  std::ostringstream out;
  prometheus::TextSerializer{}.Serialize(out, collected);
  return out.str();
}

std::error_code metrics::expose(const std::string& host, std::uint16_t port) {
  std::lock_guard<std::mutex> lock{mutex_};
  if (endpoint_) return std::make_error_code(std::errc::already_connected);
  auto endpoint = std::make_unique<metrics_endpoint>([this] { return scrape(); });
  if (auto ec = endpoint->start(host, port)) return ec;
  endpoint_ = std::move(endpoint);
  return {};
}

std::uint16_t metrics::exposed_port() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return endpoint_ ? endpoint_->port() : 0;
}

}  // namespace actorhub
