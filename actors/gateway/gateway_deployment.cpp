// The gateway deployment (docs/hosted.md): the middleman, the published gateway actor, the client endpoint at
// /client (every hub, named by the `hub` query value), the REST API, and /healthz counting linked app servers.
// A gateway runs no hubs of its own.
#include "actors/node/deployment.hpp"

#include <atomic>
#include <random>

#include <boost/json.hpp>
#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/send.hpp>

#include <actorhub/host_port.hpp>
#include "actors/cluster/link_tls.hpp"
#include "actors/cluster/member_addresses.hpp"
#include "actors/cluster/node_actor.hpp"
#include "actors/gateway/client_endpoint.hpp"
#include "actors/gateway/gateway_actor.hpp"
#include "actors/gateway/rest_api.hpp"
#include "monitoring/cluster_metrics.hpp"
#include "monitoring/gateway_metrics.hpp"
#include "monitoring/metrics.hpp"
#include "net/server.hpp"

namespace actorhub {

namespace {

std::uint64_t random_incarnation() {
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) ^ rd() ^ 1;
}

class gateway_deployment final : public deployment {
 public:
  explicit gateway_deployment(node_services& s)
      : services_(s),
        opts_(s.options->gateway),
        directory_(std::make_shared<gateway::server_directory>()),
        servers_(std::make_shared<std::atomic<std::size_t>>(0)),
        client_base_(std::make_shared<std::string>()),
        members_(std::make_shared<std::atomic<std::size_t>>(1)) {}

  void configure(caf::actor_system_config& cfg) override {
    cfg.load<caf::io::middleman>();
    // The failure detector of app-server links: a process that dies closes its socket at once; one that hangs
    // is dropped after the connection timeout.
    cfg.set("middleman.heartbeat-interval", caf::timespan{opts_.heartbeat});
    cfg.set("middleman.connection-timeout", caf::timespan{opts_.failure_timeout});
    // App servers speak "actorhub-gateway-v1"; other gateways of the cluster also "actorhub-cluster-v1".
    std::vector<std::string> apps{"actorhub-gateway-v1"};
    if (clustered()) apps.push_back("actorhub-cluster-v1");
    cfg.set("middleman.app-identifiers", std::move(apps));
    // Link messages are deserialized and delivered by the middleman's own thread: a BASP worker would add a
    // scheduler hop (a wake-up) per link message (docs/hosted.md "Benchmarks").
    cfg.set("middleman.workers", std::size_t{0});
    // Links on TLS: the gateway presents its certificate and admits only app servers (and gateways) whose
    // certificate the CA file verifies (then they still prove the access key, or the cluster key).
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
    if (clustered()) return start_node(what);
    return {};
  }

  void drain(std::chrono::milliseconds) override {
    if (node_actor_) caf::anon_send(node_actor_, cluster::leave_atom::value);
  }

  void stop() override {
    if (actor_) caf::anon_send(actor_, shutdown_atom::value);
    if (node_actor_) caf::anon_send_exit(node_actor_, caf::exit_reason::user_shutdown);
  }

  health_report health() const override {
    boost::json::object o{{"status", "ok"}, {"servers", servers_->load()}};
    if (clustered()) o["members"] = members_->load();
    return {200, boost::json::serialize(o)};
  }

 private:
  const cluster_options& node_opts() const { return services_.options->cluster; }
  bool clustered() const { return node_opts().enabled(); }

  // One TLS setting per process (CAF's openssl module): the app-server link's files, else the node link's.
  cluster::link_tls_files tls() const {
    if (!opts_.tls_cert.empty()) return {opts_.tls_cert, opts_.tls_key, opts_.tls_ca};
    return {node_opts().tls_cert, node_opts().tls_key, {}};
  }

  // Several gateways in one cluster (docs/hosted.md "Several gateways"): the cluster's node actor proves the
  // cluster key and keeps the member list; this gateway's actor is announced to the others under the pseudo
  // hub gateway::peers_hub, and theirs to it (peer_up / peer_down), as cluster routers are per hub.
  std::error_code start_node(std::string* what) {
    auto& c = node_opts();
    auto where = host_port{c.bind, *c.port}.text();
    if (!c.tls_cert.empty() && !opts_.tls_cert.empty() &&
        (c.tls_cert != opts_.tls_cert || c.tls_key != opts_.tls_key)) {
      if (what) *what = "node " + where + " (one TLS certificate per process: --node-tls-* must equal --server-tls-*)";
      return std::make_error_code(std::errc::invalid_argument);
    }
    if (!is_loopback_host(c.bind) && c.key.empty()) {
      if (what) *what = "node " + where + " (a non-loopback --node-bind needs --cluster-key)";
      return std::make_error_code(std::errc::permission_denied);
    }
    wire::node_info self;
    self.name = services_.options->name;
    self.incarnation = random_incarnation();
    self.tag = "g" + std::to_string(self.incarnation % 1000000);
    self.http_address = client_base_->substr(client_base_->find("://") == std::string::npos ? 0 : client_base_->find("://") + 3);
    cluster::node_settings ns;
    ns.self = self;
    ns.key = c.key;
    for (auto& j : c.join)
      if (auto hp = parse_host_port(j)) ns.join.push_back(*hp);
    ns.retry = c.retry;
    ns.tls = tls().enabled();
    ns.members = members_;
    ns.addresses = std::make_shared<cluster::member_addresses>();
    if (services_.metrics) {
      cluster_metrics_ = std::make_unique<cluster_metrics>(*services_.metrics->registry());
      ns.metrics = cluster_metrics_.get();
    }
    node_actor_ = cluster::spawn_node_actor(*services_.system, std::move(ns));
    auto port = tls().enabled() ? caf::openssl::publish(node_actor_, *c.port, c.bind.c_str(), true)
                                : services_.system->middleman().publish(node_actor_, *c.port, c.bind.c_str(), true);
    if (!port) {
      if (what) *what = "node " + where;
      return std::make_error_code(std::errc::address_in_use);
    }
    auto advertised = c.advertise.empty() ? std::optional<host_port>() : parse_host_port(c.advertise);
    self.node_address = advertised ? advertised->text() : host_port{c.bind, *port}.text();
    caf::anon_send(node_actor_, cluster::self_info_atom::value, wire::encode(wire::member_list{{self}}));
    caf::anon_send(node_actor_, cluster::local_router_atom::value, std::string(gateway::peers_hub), actor_);
    caf::anon_send(node_actor_, cluster::join_atom::value);
    return {};
  }

  void set_base(std::uint16_t port) {
    if (!opts_.public_url.empty()) {
      *client_base_ = opts_.public_url;
      while (!client_base_->empty() && client_base_->back() == '/') client_base_->pop_back();
      return;
    }
    if (port == 0) return;  // known once listening (start())
    auto host = services_.options->http.address;
    if (host == "0.0.0.0" || host == "::") host = "127.0.0.1";
    const char* scheme = services_.options->http.tls_cert_file.empty() ? "http://" : "https://";
    *client_base_ = scheme + host_port{host, port}.text();
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
  std::shared_ptr<std::atomic<std::size_t>> members_;  // gateways in the cluster, this one included
  std::unique_ptr<cluster_metrics> cluster_metrics_;
  caf::actor node_actor_;
};

}  // namespace

std::unique_ptr<deployment> make_gateway(node_services& services) {
  return std::make_unique<gateway_deployment>(services);
}

}  // namespace actorhub
