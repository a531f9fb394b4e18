// The cluster node deployment: the middleman, a published node actor, a cluster router per hub, connection ids
// that carry this node's tag, and the client endpoint forwarding requests for connections other nodes host.
#include "actors/node/deployment.hpp"

#include <atomic>
#include <random>

#include <boost/json.hpp>
#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>

#include <actorhub/host_port.hpp>
#include "actors/cluster/cluster_router.hpp"
#include "actors/cluster/link_tls.hpp"
#include "actors/cluster/member_addresses.hpp"
#include "actors/cluster/node_actor.hpp"
#include "monitoring/cluster_metrics.hpp"
#include "monitoring/metrics.hpp"
#include "net/server.hpp"

namespace actorhub {

namespace {

std::string random_tag() {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  std::string t;
  for (int i = 0; i < 6; ++i) t.push_back(alphabet[rd() % 62]);
  return t;
}

std::uint64_t random_incarnation() {
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) ^ rd() ^ 1;
}

class cluster_member final : public deployment {
 public:
  explicit cluster_member(node_services& s)
      : services_(s),
        opts_(s.options->cluster),
        tag_(random_tag()),
        members_(std::make_shared<std::atomic<std::size_t>>(1)),
        addresses_(std::make_shared<cluster::member_addresses>()) {
    self_.name = s.options->name;
    self_.incarnation = random_incarnation();
    self_.tag = tag_;
  }

  void configure(caf::actor_system_config& cfg) override {
    cfg.load<caf::io::middleman>();
    // The failure detector: heartbeats between nodes, and a peer silent for the timeout is disconnected (a
    // frozen process closes nothing by itself).
    cfg.set("middleman.heartbeat-interval", caf::timespan{opts_.heartbeat});
    cfg.set("middleman.connection-timeout", caf::timespan{opts_.failure_timeout});
    cfg.set("middleman.app-identifiers", std::vector<std::string>{"actorhub-cluster-v1"});
    if (tls()) {
      // Node links on TLS: every member presents this certificate and accepts peers it signed (the usual
      // setup: one cluster certificate, or one CA given as the certificate file's chain).
      cluster::configure_link_tls(cfg, {opts_.tls_cert, opts_.tls_key, {}});
    }
  }

  void prepare(server_options& http) override { http.id_prefix = tag_ + "."; }

  router_actor make_router(const std::string& hub_name) override {
    ensure_node_actor();
    cluster::router_settings rs;
    rs.hub = hub_name;
    rs.node_name = self_.name;
    rs.tag = tag_;
    rs.node_actor = node_actor_;
    rs.metrics = metrics();
    auto r = cluster::spawn_cluster_router(*services_.system, std::move(rs));
    caf::anon_send(node_actor_, cluster::local_router_atom::value, hub_name, caf::actor_cast<caf::actor>(r));
    return r;
  }

  std::error_code start(std::string* what) override {
    ensure_node_actor();
    auto where = host_port{opts_.bind, *opts_.port}.text();
    if (!is_loopback_host(opts_.bind) && opts_.key.empty()) {
      if (what) *what = "node " + where + " (a non-loopback --node-bind needs --cluster-key)";
      return std::make_error_code(std::errc::permission_denied);
    }
    if (auto e = cluster::link_tls_error({opts_.tls_cert, opts_.tls_key, {}}); !e.empty()) {
      if (what) *what = "node " + where + " (" + e + ")";
      return std::make_error_code(std::errc::invalid_argument);
    }
    auto port = tls() ? caf::openssl::publish(node_actor_, *opts_.port, opts_.bind.c_str(), true)
                      : services_.system->middleman().publish(node_actor_, *opts_.port, opts_.bind.c_str(), true);
    if (!port) {
      if (what) *what = "node " + where;
      return std::make_error_code(std::errc::address_in_use);
    }
    // Now the addresses are known: how the others reach this node and its client endpoint.
    auto advertised = opts_.advertise.empty() ? std::optional<host_port>() : parse_host_port(opts_.advertise);
    self_.node_address = advertised ? advertised->text() : host_port{opts_.bind, *port}.text();
    if (services_.http) {
      auto host = services_.options->http.address;
      if (advertised) host = advertised->host;
      else if (host == "0.0.0.0" || host == "::") host = opts_.bind;
      self_.http_address = host_port{host, services_.http->port()}.text();
      services_.http->set_locator([addresses = addresses_](std::string_view token) {
        return addresses->find(cluster::tag_of(token));
      });
    }
    caf::anon_send(node_actor_, cluster::self_info_atom::value, wire::encode(wire::member_list{{self_}}));
    caf::anon_send(node_actor_, cluster::join_atom::value);
    return {};
  }

  void drain(std::chrono::milliseconds) override {
    // Leaving on purpose: the others drop this node at once instead of waiting for the failure detector.
    if (node_actor_) caf::anon_send(node_actor_, cluster::leave_atom::value);
  }

  void stop() override {
    if (node_actor_) caf::anon_send_exit(node_actor_, caf::exit_reason::user_shutdown);
  }

  health_report health() const override {
    return {200, boost::json::serialize(boost::json::object{
                     {"status", "ok"}, {"name", services_.options->name}, {"members", members_->load()}})};
  }

 private:
  bool tls() const { return !opts_.tls_cert.empty(); }

  cluster_metrics* metrics() {
    if (!metrics_ && services_.metrics) metrics_ = std::make_unique<cluster_metrics>(*services_.metrics->registry());
    return metrics_.get();
  }

  void ensure_node_actor() {
    if (node_actor_) return;
    cluster::node_settings ns;
    ns.self = self_;
    ns.key = opts_.key;
    for (auto& j : opts_.join)
      if (auto hp = parse_host_port(j)) ns.join.push_back(*hp);
    ns.retry = opts_.retry;
    ns.tls = tls();
    ns.members = members_;
    ns.addresses = addresses_;
    ns.metrics = metrics();
    node_actor_ = cluster::spawn_node_actor(*services_.system, std::move(ns));
  }

  node_services& services_;
  const cluster_options& opts_;
  std::string tag_;
  wire::node_info self_;
  std::shared_ptr<std::atomic<std::size_t>> members_;
  std::shared_ptr<cluster::member_addresses> addresses_;
  std::unique_ptr<cluster_metrics> metrics_;
  caf::actor node_actor_;
};

}  // namespace

std::unique_ptr<deployment> make_cluster_member(node_services& services) {
  return std::make_unique<cluster_member>(services);
}

}  // namespace actorhub
