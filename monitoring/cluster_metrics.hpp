// The metrics of a cluster node (registered only by nodes that are clustered):
//   actorhub_cluster_members                                gauge: live members, this node included
//   actorhub_backplane_messages_total{direction,kind}       counter: messages to / from other nodes
//   actorhub_backplane_bytes_total{direction,kind}          counter: their bytes
//   actorhub_backplane_malformed_total                      counter: peer messages dropped as malformed
//   actorhub_backplane_delivery_latency_seconds             histogram: a delivery's age when it arrives
// kind: delivery, credit, directory, snapshot, group, invoke, presence, membership. Thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace actorhub {

enum class backplane_kind : std::uint8_t { delivery, credit, directory, snapshot, group, invoke, presence, membership };
inline constexpr std::size_t backplane_kinds = 8;

class cluster_metrics {
 public:
  explicit cluster_metrics(prometheus::Registry& registry);

  void sent(backplane_kind k, std::size_t bytes);
  void received(backplane_kind k, std::size_t bytes);
  void malformed();
  void delivery_latency(double seconds);
  void members(std::size_t n);

 private:
  struct pair {
    prometheus::Counter* messages;
    prometheus::Counter* bytes;
  };
  std::array<pair, backplane_kinds> out_{};
  std::array<pair, backplane_kinds> in_{};
  prometheus::Counter* malformed_;
  prometheus::Histogram* latency_;
  prometheus::Gauge* members_;
};

}  // namespace actorhub
