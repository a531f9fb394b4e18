// The cluster node deployment: the middleman, a published node actor, a cluster router per hub, connection ids
// that carry this node's tag, and the client endpoint forwarding requests for connections other nodes host.
#include "actors/node/deployment.hpp"

#include <atomic>
#include <cctype>
#include <map>
#include <random>

#include <boost/json.hpp>
#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/scoped_actor.hpp>

#include <actorhub/host_port.hpp>
#include "actors/cluster/cluster_router.hpp"
#include "actors/cluster/link_tls.hpp"
#include "actors/cluster/member_addresses.hpp"
#include "actors/cluster/node_actor.hpp"
#include "actors/hub_host.hpp"
#include "monitoring/log.hpp"
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

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
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
    rs.addresses = addresses_;
    if (auto* http = services_.http) {
      // Sessions move with their socket held open until the move is complete (see cluster_router.hpp).
      rs.export_session = [http](const std::string& token) {
        return http->export_session(token, &hub_host::retire_moved, false);
      };
      rs.close_exported = [http](const std::string& token) { http->close_exported(token); };
      rs.import_session = [http](session_snapshot s) { return http->import_session(std::move(s)); };
    }
    auto r = cluster::spawn_cluster_router(*services_.system, std::move(rs));
    caf::anon_send(node_actor_, cluster::local_router_atom::value, hub_name, caf::actor_cast<caf::actor>(r));
    routers_[lower(hub_name)] = r;
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
        if (auto moved = addresses->find_moved(token)) return moved;  // drained from its node (session_moves.hpp)
        return addresses->find(cluster::tag_of(token));
      });
    }
    caf::anon_send(node_actor_, cluster::self_info_atom::value, wire::encode(wire::member_list{{self_}}));
    caf::anon_send(node_actor_, cluster::join_atom::value);
    return {};
  }

  void drain(std::chrono::milliseconds budget) override {
    // No new clients: a load balancer sends them (and the reconnects of the sessions moving away) elsewhere.
    if (services_.http) services_.http->stop_accepting();
    if (node_actor_ && services_.http) hand_off(budget);
    // This node stays a member while its remaining clients are closed (stop() leaves): what they send until then
    // still reaches the other nodes, and the sessions that moved away still get it.
  }

  // Moves every stateful WebSocket session to the other members (cluster_router.hpp, handoff_atom) and waits,
  // at most `budget`, until each move completed or failed. The others get a Close with allowReconnect at stop.
  void hand_off(std::chrono::milliseconds budget) {
    std::map<std::string, std::pair<std::vector<std::string>, std::vector<std::string>>> by_hub;  // ids, tokens
    for (auto& s : services_.http->movable_sessions()) {
      auto& [ids, tokens] = by_hub[lower(s.hub_path.empty() ? s.hub_path : s.hub_path.substr(1))];
      ids.push_back(s.connection_id);
      tokens.push_back(s.token);
    }
    if (by_hub.empty()) return;
    auto deadline = std::chrono::steady_clock::now() + budget;
    caf::scoped_actor self{*services_.system};
    std::size_t asked = 0;
    std::uint64_t moved = 0;
    bool timed_out = false;
    for (auto& [hub, sessions] : by_hub) {
      auto r = routers_.find(hub);
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (r == routers_.end() || left.count() <= 0) continue;
      asked += sessions.first.size();
      self->request(r->second, left, cluster::handoff_atom::value, sessions.first, sessions.second)
          .receive([&](std::uint64_t n) { moved += n; }, [&](caf::error&) { timed_out = true; });
    }
    log::info("cluster: drain handed " + std::to_string(moved) + " of " + std::to_string(asked) +
              " stateful session(s) to other nodes" + (timed_out ? " (budget exhausted)" : ""));
  }

  bool clients_reconnect_elsewhere() const override { return true; }

  void stop() override {
    if (!node_actor_) return;
    // Leaving on purpose: the others drop this node at once instead of waiting for the failure detector (and
    // do not dial it again). The node actor answers once it told them.
    caf::scoped_actor self{*services_.system};
    self->request(node_actor_, std::chrono::seconds(1), cluster::leave_atom::value)
        .receive([](bool) {}, [](caf::error&) {});
    caf::anon_send_exit(node_actor_, caf::exit_reason::user_shutdown);
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
  std::map<std::string, cluster::cluster_router_actor> routers_;  // by hub name in lower case
  std::unique_ptr<cluster_metrics> metrics_;
  caf::actor node_actor_;
};

}  // namespace

std::unique_ptr<deployment> make_cluster_member(node_services& services) {
  return std::make_unique<cluster_member>(services);
}

}  // namespace actorhub
