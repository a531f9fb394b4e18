// See cluster_metrics.hpp.
#include "monitoring/cluster_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace actorhub {

namespace {

const char* kind_names[backplane_kinds] = {"delivery", "credit",   "directory", "snapshot",
                                           "group",    "invoke",   "presence",  "membership"};

}  // namespace

cluster_metrics::cluster_metrics(prometheus::Registry& r) {
  auto& messages = prometheus::BuildCounter()
                       .Name("actorhub_backplane_messages_total")
                       .Help("Messages exchanged with other cluster nodes")
                       .Register(r);
  auto& bytes = prometheus::BuildCounter()
                    .Name("actorhub_backplane_bytes_total")
                    .Help("Bytes of the messages exchanged with other cluster nodes")
                    .Register(r);
  for (std::size_t i = 0; i < backplane_kinds; ++i) {
    out_[i] = {&messages.Add({{"direction", "out"}, {"kind", kind_names[i]}}),
               &bytes.Add({{"direction", "out"}, {"kind", kind_names[i]}})};
    in_[i] = {&messages.Add({{"direction", "in"}, {"kind", kind_names[i]}}),
              &bytes.Add({{"direction", "in"}, {"kind", kind_names[i]}})};
  }
  malformed_ = &prometheus::BuildCounter()
                    .Name("actorhub_backplane_malformed_total")
                    .Help("Messages from other nodes dropped because they could not be decoded")
                    .Register(r)
                    .Add({});
  latency_ = &prometheus::BuildHistogram()
                  .Name("actorhub_backplane_delivery_latency_seconds")
                  .Help("Time from a send on one node to its arrival at another node's router")
                  .Register(r)
                  .Add({}, prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                                    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0});
  members_ = &prometheus::BuildGauge()
                  .Name("actorhub_cluster_members")
                  .Help("Live cluster members, this node included")
                  .Register(r)
                  .Add({});
  members_->Set(1);
}

void cluster_metrics::sent(backplane_kind k, std::size_t n) {
  auto& p = out_[static_cast<std::size_t>(k)];
  p.messages->Increment();
  p.bytes->Increment(static_cast<double>(n));
}

void cluster_metrics::received(backplane_kind k, std::size_t n) {
  auto& p = in_[static_cast<std::size_t>(k)];
  p.messages->Increment();
  p.bytes->Increment(static_cast<double>(n));
}

void cluster_metrics::malformed() { malformed_->Increment(); }
void cluster_metrics::delivery_latency(double seconds) { latency_->Observe(seconds); }
void cluster_metrics::members(std::size_t n) { members_->Set(static_cast<double>(n)); }

}  // namespace actorhub
