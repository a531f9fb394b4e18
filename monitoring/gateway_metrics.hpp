// The metrics of a gateway (registered only by gateways), besides actorhub_app_servers (metrics.hpp):
//   actorhub_gateway_clients{server}                gauge: client connections hosted by each app server
//                                                   (server="" for serverless connections)
//   actorhub_gateway_messages_total{direction}      counter: link messages, to_server (client data, opens,
//                                                   closes) and from_server (records, deliveries, group changes)
//   actorhub_gateway_rest_requests_total{status}    counter: REST API calls by HTTP status
// Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>

namespace prometheus {
class Registry;
class Counter;
class Gauge;
template <typename T>
class Family;
}  // namespace prometheus

namespace actorhub {

class gateway_metrics {
 public:
  explicit gateway_metrics(prometheus::Registry& registry);

  prometheus::Gauge& clients(const std::string& server);
  void forget_server(const std::string& server);
  void to_server() noexcept;
  void from_server() noexcept;
  void rest(int status);

 private:
  std::mutex mu_;
  prometheus::Family<prometheus::Gauge>* clients_;
  prometheus::Family<prometheus::Counter>* rest_;
  prometheus::Counter* to_server_;
  prometheus::Counter* from_server_;
  std::map<int, prometheus::Counter*> by_status_;
};

}  // namespace actorhub
