// See gateway_metrics.hpp.
#include "monitoring/gateway_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace actorhub {

gateway_metrics::gateway_metrics(prometheus::Registry& r) {
  clients_ = &prometheus::BuildGauge()
                  .Name("actorhub_gateway_clients")
                  .Help("Client connections held by this gateway, by the app server that hosts them")
                  .Register(r);
  auto& messages = prometheus::BuildCounter()
                       .Name("actorhub_gateway_messages_total")
                       .Help("Messages on the links to app servers, by direction")
                       .Register(r);
  to_server_ = &messages.Add({{"direction", "to_server"}});
  from_server_ = &messages.Add({{"direction", "from_server"}});
  rest_ = &prometheus::BuildCounter()
               .Name("actorhub_gateway_rest_requests_total")
               .Help("REST API requests answered, by HTTP status")
               .Register(r);
}

prometheus::Gauge& gateway_metrics::clients(const std::string& server) {
  std::lock_guard<std::mutex> lk(mu_);
  return clients_->Add({{"server", server}});
}

void gateway_metrics::forget_server(const std::string& server) {
  std::lock_guard<std::mutex> lk(mu_);
  auto& g = clients_->Add({{"server", server}});
  clients_->Remove(&g);
}

void gateway_metrics::to_server() noexcept { to_server_->Increment(); }
void gateway_metrics::from_server() noexcept { from_server_->Increment(); }

void gateway_metrics::rest(int status) {
  std::lock_guard<std::mutex> lk(mu_);
  auto& c = by_status_[status];
  if (!c) c = &rest_->Add({{"status", std::to_string(status)}});
  c->Increment();
}

}  // namespace actorhub
