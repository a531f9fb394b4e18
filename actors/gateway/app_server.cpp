// The app server deployment (docs/hosted.md): hubs run here, their clients connect to a gateway. The middleman and
// a link actor that keeps this process linked to the gateway; a proxy router per hub; the client endpoint answers
// negotiate with a redirect to the gateway (a token for exactly that URL, pinned to this server) and /healthz 503
// until linked. SIGTERM drains: no new clients, in-flight invocations finish, then the clients are closed with
// allowReconnect.
#include "actors/node/deployment.hpp"

#include <algorithm>
#include <random>
#include <thread>

#include <boost/json.hpp>
#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <actorhub/host_port.hpp>
#include "actors/cluster/link_tls.hpp"
#include "actors/gateway/app_link.hpp"
#include "actors/gateway/link.hpp"
#include "actors/hub_host.hpp"
#include "net/access_token.hpp"
#include "net/server.hpp"

namespace actorhub {

namespace {

std::string random_id() {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  std::string t;
  for (int i = 0; i < 16; ++i) t.push_back(alphabet[rd() % 62]);
  return t;
}

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

http_response json_error(int status, std::string text) {
  http_response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = boost::json::serialize(boost::json::object{{"error", text}});
  return r;
}

class app_server final : public deployment {
 public:
  explicit app_server(node_services& s)
      : services_(s), opts_(s.options->service), shared_(std::make_shared<gateway::link_shared>()) {
    server_id_ = s.options->name + "." + random_id();
    if (auto gw = parse_host_port(opts_.gateway)) gateway_ = *gw;
    for (auto& g : opts_.more_gateways)
      if (auto gw = parse_host_port(g)) more_.push_back(*gw);
  }

  void configure(caf::actor_system_config& cfg) override {
    cfg.load<caf::io::middleman>();
    cfg.set("middleman.heartbeat-interval", caf::timespan{opts_.heartbeat});
    cfg.set("middleman.connection-timeout", caf::timespan{opts_.failure_timeout});
    cfg.set("middleman.app-identifiers", std::vector<std::string>{"actorhub-gateway-v1"});
    // Link messages are deserialized and delivered by the middleman's own thread: a BASP worker would add a
    // scheduler hop (a wake-up) per link message (docs/hosted.md "Benchmarks").
    cfg.set("middleman.workers", std::size_t{0});
    if (tls().enabled()) cluster::configure_link_tls(cfg, tls());
  }

  void prepare(server_options&) override {}

  void serve(server& http) override {
    http.set_negotiate_override([this](const http_request&, const hub_endpoint& hub, const std::string& user_id,
                                       const object& claims) -> std::optional<http_response> {
      return redirect(hub, user_id, claims);
    });
  }

  router_actor make_router(const std::string& hub_name) override {
    ensure_link();
    return gateway::spawn_proxy_router(*services_.system, hub_name, shared_);
  }

  std::error_code start(std::string* what) override {
    auto gw = parse_host_port(opts_.gateway);
    if (!gw) {
      if (what) *what = "service " + opts_.gateway;
      return std::make_error_code(std::errc::invalid_argument);
    }
    if (services_.options->http.access_key.empty()) {
      if (what) *what = "service " + opts_.gateway + " (an app server needs --access-key)";
      return std::make_error_code(std::errc::permission_denied);
    }
    if (auto e = cluster::link_tls_error(tls()); !e.empty()) {
      if (what) *what = "service " + opts_.gateway + " (" + e + ")";
      return std::make_error_code(std::errc::invalid_argument);
    }
    ensure_link();
    for (auto& l : links_) caf::anon_send(l, gateway::l_dial_atom::value);
    return {};
  }

  void drain(std::chrono::milliseconds budget) override {
    if (links_.empty()) return;
    // No new clients; let the invocations in flight finish; then every client is closed with allowReconnect.
    for (auto& l : links_) caf::anon_send(l, gateway::l_drain_atom::value);
    auto deadline = std::chrono::steady_clock::now() + std::min(budget, std::chrono::milliseconds(2000));
    caf::scoped_actor self{*services_.system};
    while (std::chrono::steady_clock::now() < deadline) {
      std::int64_t n = 0;
      for (auto& l : links_)
        self->request(l, std::chrono::milliseconds(500), gateway::l_inflight_atom::value)
            .receive([&](std::int64_t x) { n += x; }, [&](caf::error&) {});
      if (n == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // Each link answers once the gateway has processed its closes; they run side by side.
    using handle = decltype(self->request(links_.front(), caf::infinite, gateway::l_close_atom::value));
    std::vector<handle> pending;
    for (auto& l : links_)
      pending.push_back(self->request(l, std::chrono::milliseconds(1500), gateway::l_close_atom::value));
    for (auto& p : pending) p.receive([](ok_atom) {}, [](caf::error&) {});
  }

  void stop() override {
    for (auto& l : links_) caf::anon_send(l, shutdown_atom::value);
  }

  health_report health() const override {
    auto linked = shared_->linked();
    bool up = linked > 0;
    return {up ? 200 : 503,
            boost::json::serialize(boost::json::object{{"status", up ? "ok" : "connecting"},
                                                       {"name", services_.options->name},
                                                       {"members", 1},
                                                       {"gateway", opts_.gateway},
                                                       {"links", linked}})};
  }

 private:
  cluster::link_tls_files tls() const { return {opts_.tls_cert, opts_.tls_key, opts_.tls_ca}; }

  // The link actors (--service-links, at least one), each dialling on its own.
  void ensure_link() {
    if (!links_.empty()) return;
    auto n = std::max<std::size_t>(1, opts_.links);
    for (std::size_t i = 0; i < n; ++i) shared_->add_link();
    for (std::size_t i = 0; i < n; ++i) {
      auto link = spawn_link(i);
      shared_->links[i]->actor = link;
      links_.push_back(std::move(link));
    }
  }

  caf::actor spawn_link(std::size_t index) {
    gateway::link_settings ls;
    ls.server_id = server_id_;
    ls.index = index;
    ls.name = services_.options->name;
    ls.key = services_.options->http.access_key;
    ls.gateway = gateway_;
    if (!more_.empty()) {
      ls.gateways.push_back(gateway_);
      ls.gateways.insert(ls.gateways.end(), more_.begin(), more_.end());
    }
    ls.tls = tls().enabled();
    ls.retry = opts_.retry;
    ls.max_retry = opts_.max_retry;
    ls.max_message_size = services_.options->http.max_message_size;
    ls.hosts = services_.hosts;
    ls.shared = shared_;
    // The gateway's address is set at start(); the link actor dials only then.
    return gateway::spawn_link_actor(*services_.system, std::move(ls));
  }

  // POST {hub}/negotiate: {"url": the gateway's client URL for the hub, "accessToken": a token for exactly that URL,
  // carrying the caller's claims and pinning it to this server}.
  std::optional<http_response> redirect(const hub_endpoint& endpoint, const std::string& user_id,
                                        const object& claims) {
    if (shared_->linked() == 0 || shared_->draining.load())
      return json_error(503, "This app server is not linked to its gateway.");
    std::string hub;
    if (services_.hosts)
      for (auto& [name, host] : *services_.hosts)
        if (host.get() == &endpoint) hub = lower(name);
    if (hub.empty()) return json_error(404, "Unknown hub.");
    auto url = gateway::client_url(shared_->base(), hub);
    object token;
    for (auto& [k, v] : claims)
      if (k != "aud" && k != "exp" && k != "nbf" && k != "iat" && k != gateway::server_claim) token.emplace_back(k, v);
    bool has_nameid = false;
    for (auto& [k, v] : token) has_nameid = has_nameid || k == "nameid";
    if (!user_id.empty() && !has_nameid) token.emplace_back("nameid", user_id);
    auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    auto lifetime = std::min<std::chrono::seconds>(opts_.token_lifetime, std::chrono::seconds(3600));
    token.emplace_back("aud", url);
    token.emplace_back("iat", static_cast<std::int64_t>(now.count()));
    token.emplace_back("exp", static_cast<std::int64_t>((now + lifetime).count()));
    token.emplace_back(gateway::server_claim, services_.options->name);
    http_response r;
    r.status = 200;
    r.content_type = "application/json";
    r.body = boost::json::serialize(
        boost::json::object{{"url", url}, {"accessToken", sign_access_token(token, services_.options->http.access_key)}});
    return r;
  }

  node_services& services_;
  const service_options& opts_;
  std::shared_ptr<gateway::link_shared> shared_;
  std::string server_id_;
  host_port gateway_;
  std::vector<host_port> more_;  // other gateways of the cluster, tried in turn
  std::vector<caf::actor> links_;
};

}  // namespace

std::unique_ptr<deployment> make_app_server(node_services& services) {
  return std::make_unique<app_server>(services);
}

}  // namespace actorhub
