// What distinguishes the configurations of a node (node_options.hpp). The node owns the actor system, the
// client endpoint, the metrics and the hubs, and runs the lifecycle; a deployment adds what ties this process
// to others, at fixed points of that lifecycle:
//
//   configure   before the actor system exists: modules (the middleman for clusters and gateways)
//   serve       once the client endpoint exists, before it listens: its own routes and endpoints (a gateway's
//               /client and REST API; an app server's negotiate redirect)
//   make_router the router behind each hub: local, cluster-wide, or a proxy to a gateway
//   start       after the client endpoint is bound: publish, join, link
//   drain       on SIGTERM, before the clients are closed: stop taking new ones, hand sessions off
//   stop        after the hubs stopped
//   health      what GET /healthz answers
//
// | configuration        | deployment     | client endpoint       | routers             | links                    |
// |----------------------|----------------|-----------------------|---------------------|--------------------------|
// | single server        | standalone     | yes                   | local_router        | none                     |
// | cluster node         | cluster_member | yes, ids carry a tag  | cluster_router      | full mesh of node actors |
// | app server (service) | app_server     | negotiate redirect    | gateway proxy       | links to a gateway       |
// | gateway              | gateway        | yes, + REST API       | gateway-wide router | app servers link to it   |
// Internal.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <system_error>

#include <caf/actor_system_config.hpp>
#include <caf/fwd.hpp>

#include <actorhub/node_options.hpp>
#include "actors/routing/router.hpp"

namespace actorhub {

class metrics;
class server;
class hub_host;

// What the node lends its deployment.
struct node_services {
  const node_options* options = nullptr;
  caf::actor_system* system = nullptr;  // set once the actor system exists (before make_router and start)
  std::shared_ptr<actorhub::metrics> metrics;
  server* http = nullptr;  // the client endpoint; null when the node has none
  // The hubs added to the node, by name (complete once the node starts).
  const std::map<std::string, std::shared_ptr<hub_host>>* hosts = nullptr;
};

struct health_report {
  int status = 200;
  std::string body;  // a JSON object
};

class deployment {
 public:
  virtual ~deployment() = default;

  virtual void configure(caf::actor_system_config& cfg) = 0;
  // Before the client endpoint is made (e.g. the prefix of the connection ids it issues).
  virtual void prepare(server_options& http) = 0;
  // The client endpoint was made (not listening yet): add routes and endpoints.
  virtual void serve(server&) {}
  virtual router_actor make_router(const std::string& hub_name) = 0;
  // `what` names what failed ("node 127.0.0.1:7000").
  virtual std::error_code start(std::string* what) = 0;
  virtual void drain(std::chrono::milliseconds budget) = 0;
  // Whether the clients still connected after drain() get their Close with allowReconnect (they can continue
  // on another process, e.g. another node of the cluster).
  virtual bool clients_reconnect_elsewhere() const { return false; }
  virtual void stop() = 0;
  virtual health_report health() const = 0;
};

// The deployment that `options` ask for.
std::unique_ptr<deployment> make_deployment(node_services& services);

}  // namespace actorhub
