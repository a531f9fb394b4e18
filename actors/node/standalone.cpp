// The single server: hubs and their clients in this process, nothing linked to other processes.
#include "actors/node/deployment.hpp"

#include <boost/json.hpp>

#include "actors/routing/local_router.hpp"

namespace actorhub {

namespace {

class standalone final : public deployment {
 public:
  explicit standalone(node_services& s) : services_(s) {}

  void configure(caf::actor_system_config&) override {}
  void prepare(server_options&) override {}
  router_actor make_router(const std::string& hub_name) override {
    return spawn_local_router(*services_.system, hub_name);
  }
  std::error_code start(std::string*) override { return {}; }
  void drain(std::chrono::milliseconds) override {}
  void stop() override {}
  health_report health() const override {
    return {200, boost::json::serialize(
                     boost::json::object{{"status", "ok"}, {"name", services_.options->name}, {"members", 1}})};
  }

 private:
  node_services& services_;
};

}  // namespace

std::unique_ptr<deployment> make_standalone(node_services& services) {
  return std::make_unique<standalone>(services);
}

}  // namespace actorhub
