// The gateway deployment (docs/hosted.md): the middleman, the published gateway actor, the client endpoint at
// /client (every hub, named by the `hub` query value), the REST API, and /healthz counting linked app servers.
// A gateway runs no hubs of its own.
#include "actors/node/deployment.hpp"

#include <atomic>

#include <boost/json.hpp>
#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/send.hpp>

#include <actorhub/host_port.hpp>
#include "actors/cluster/link_tls.hpp"
#include "actors/gateway/client_endpoint.hpp"
#include "actors/gateway/gateway_actor.hpp"
#include "actors/gateway/rest_api.hpp"
#include "monitoring/gateway_metrics.hpp"
#include "monitoring/metrics.hpp"
#include "net/server.hpp"

namespace actorhub {

namespace {

class gateway_deployment final : public deployment {
 public:
  explicit gateway_deployment(node_services& s)
      : services_(s),
        opts_(s.options->gateway),
        directory_(std::make_shared<gateway::server_directory>()),
        servers_(std::make_shared<std::atomic<std::size_t>>(0)),
        client_base_(std::make_shared<std::string>()) {}

  void configure(caf::actor_system_config& cfg) override {
    cfg.load<caf::io::middleman>();
    // The failure detector of app-server links: a process that dies closes its socket at once; one that hangs
    // is dropped after the connection timeout.
    cfg.set("middleman.heartbeat-interval", caf::timespan{opts_.heartbeat});
    cfg.set("middleman.connection-timeout", caf::timespan{opts_.failure_timeout});
    cfg.set("middleman.app-identifiers", std::vector<std::string>{"actorhub-gateway-v1"});
    // App-server links on TLS: the gateway presents its certificate and admits only app servers whose
    // certificate the CA file verifies (then they still prove the access key).
    if (tls().enabled()) cluster::configure_link_tls(cfg, tls());
  }

  void prepare(server_options&) override {}

  void serve(server& http) override {
    set_base(http.options().port);
    ensure_actor();
    gateway::client_endpoint_settings ce;
    ce.system = services_.system;
    ce.gateway = actor_;
    ce.directory = directory_;
    ce.client_base = client_base_;
    ce.metrics = services_.metrics;
    ce.gw_metrics = metrics();
    ce.max_message_size = http.options().max_message_size;
    http.add_hub("/client", gateway::make_client_endpoint(std::move(ce)));
    http.set_negotiate_override(gateway::make_client_negotiate_check(client_base_));
    gateway::rest_settings rs;
    rs.gateway = actor_;
    rs.key = services_.options->http.access_key;
    rs.client_base = client_base_;
    rs.metrics = metrics();
    http.add_route("/api/v1/hubs/", gateway::make_rest_handler(std::move(rs)));
  }

  router_actor make_router(const std::string&) override {
    throw std::logic_error("a gateway runs no hubs: add them to the app servers that link to it");
  }

  std::error_code start(std::string* what) override {
    ensure_actor();
    if (services_.http && client_base_->empty()) set_base(services_.http->port());
    auto where = host_port{opts_.server_bind, *opts_.server_port}.text();
    if (services_.options->http.access_key.empty()) {
      if (what) *what = "server port " + where + " (a gateway needs --access-key)";
      return std::make_error_code(std::errc::permission_denied);
    }
    if (auto e = cluster::link_tls_error(tls()); !e.empty()) {
      if (what) *what = "server port " + where + " (" + e + ")";
      return std::make_error_code(std::errc::invalid_argument);
    }
    auto port = tls().enabled()
                    ? caf::openssl::publish(actor_, *opts_.server_port, opts_.server_bind.c_str(), true)
                    : services_.system->middleman().publish(actor_, *opts_.server_port, opts_.server_bind.c_str(), true);
    if (!port) {
      if (what) *what = "server port " + where;
      return std::make_error_code(std::errc::address_in_use);
    }
    port_ = *port;
    return {};
  }

  void drain(std::chrono::milliseconds) override {}

  void stop() override {
    if (actor_) caf::anon_send(actor_, shutdown_atom::value);
  }

  health_report health() const override {
    return {200, boost::json::serialize(boost::json::object{{"status", "ok"}, {"servers", servers_->load()}})};
  }

 private:
  cluster::link_tls_files tls() const { return {opts_.tls_cert, opts_.tls_key, opts_.tls_ca}; }

  void set_base(std::uint16_t port) {
    if (!opts_.public_url.empty()) {
      *client_base_ = opts_.public_url;
      while (!client_base_->empty() && client_base_->back() == '/') client_base_->pop_back();
      return;
    }
    if (port == 0) return;  // known once listening (start())
    auto host = services_.options->http.address;
    if (host == "0.0.0.0" || host == "::") host = "127.0.0.1";
    *client_base_ = "http://" + host_port{host, port}.text();
  }

  gateway_metrics* metrics() {
    if (!metrics_ && services_.metrics) metrics_ = std::make_unique<gateway_metrics>(*services_.metrics->registry());
    return metrics_.get();
  }

  void ensure_actor() {
    if (actor_) return;
    gateway::gateway_settings gs;
    gs.key = services_.options->http.access_key;
    gs.client_base = client_base_;
    gs.directory = directory_;
    gs.servers = servers_;
    gs.metrics = metrics();
    if (services_.metrics) gs.app_servers = &services_.metrics->app_servers();
    actor_ = gateway::spawn_gateway_actor(*services_.system, std::move(gs));
  }

  node_services& services_;
  const gateway_options& opts_;
  std::shared_ptr<gateway::server_directory> directory_;
  std::shared_ptr<std::atomic<std::size_t>> servers_;
  std::shared_ptr<std::string> client_base_;
  std::unique_ptr<gateway_metrics> metrics_;
  caf::actor actor_;
  std::uint16_t port_ = 0;
};

}  // namespace

std::unique_ptr<deployment> make_gateway(node_services& services) {
  return std::make_unique<gateway_deployment>(services);
}

}  // namespace actorhub
