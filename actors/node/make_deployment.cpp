// Picks the deployment a node's options ask for.
#include "actors/node/deployment.hpp"

namespace actorhub {

std::unique_ptr<deployment> make_standalone(node_services& services);
std::unique_ptr<deployment> make_cluster_member(node_services& services);
std::unique_ptr<deployment> make_gateway(node_services& services);
std::unique_ptr<deployment> make_app_server(node_services& services);

std::unique_ptr<deployment> make_deployment(node_services& services) {
  if (services.options->gateway.enabled()) return make_gateway(services);
  if (services.options->service.enabled()) return make_app_server(services);
  if (services.options->cluster.enabled()) return make_cluster_member(services);
  return make_standalone(services);
}

}  // namespace actorhub
