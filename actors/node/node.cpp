// The node: wires hubs into the client endpoint, runs until a signal, shuts down in order.
#include <actorhub/node.hpp>

#include <atomic>
#include <csignal>
#include <ctime>
#include <map>
#include <random>
#include <stdexcept>
#include <thread>

#include <unistd.h>

#include <boost/json.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <prometheus/histogram.h>

#include <actorhub/host_port.hpp>
#include "actors/hub_host.hpp"
#include "actors/node/deployment.hpp"
#include "actors/node/presence_endpoint.hpp"
#include "actors/dispatch/blocking_pool.hpp"
#include "monitoring/log.hpp"
#include "monitoring/metrics.hpp"
#include "net/server.hpp"

namespace actorhub {

namespace {

sigset_t stop_signals() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGTERM);
  return s;
}

caf::actor_system_config& configure(caf::actor_system_config& cfg, const node_options& opts, deployment& d) {
  // Before the actor system starts its threads, so they inherit the blocked signals.
  auto s = stop_signals();
  pthread_sigmask(SIG_BLOCK, &s, nullptr);
  cfg.set("scheduler.max-threads", opts.actor_threads == 0 ? std::size_t{1} : opts.actor_threads);
  cfg.set("scheduler.policy", caf::atom("sharing"));
  d.configure(cfg);
  return cfg;
}

std::string unique_name() {
  std::random_device rd;
  char buf[9];
  snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
  return "actorhub-" + std::to_string(::getpid()) + "-" + buf;
}

node_options named(node_options o) {
  if (o.name.empty()) o.name = unique_name();
  return o;
}

}  // namespace

struct node::impl {
  explicit impl(node_options o)
      : opts(named(std::move(o))),
        deploy(make_deployment(services)),
        sys(configure(cfg, opts, *deploy)),
        metrics(std::make_shared<actorhub::metrics>()),
        pool(std::make_shared<dispatch::blocking_pool>(opts.dispatch.max_blocking_threads)) {
    services.system = &sys;
    services.metrics = metrics;
    services.hosts = &hosts;
    if (opts.client_endpoint) {
      auto http_opts = opts.http;
      deploy->prepare(http_opts);
      http = std::make_unique<server>(std::move(http_opts), metrics);
      services.http = http.get();
      http->add_route("/healthz", [this](const http_request& req, http_responder respond) {
        if (req.path != "/healthz") return respond(http_response{404, "text/plain; charset=utf-8", "Not Found", {}});
        auto h = deploy->health();
        respond(http_response{h.status, "application/json", std::move(h.body), {}});
      });
      deploy->serve(*http);
      if (opts.presence_endpoint)
        serve_presence(*http, opts.http.access_key, [this](const std::string& hub) {
          auto i = hosts.find(hub);
          return i == hosts.end() ? hub_context{} : i->second->context();
        });
    }
  }

  node_options opts;
  node_services services{&opts};
  std::unique_ptr<deployment> deploy;
  caf::actor_system_config cfg;
  caf::actor_system sys;  // before the server: sessions (and their actor handles) go first
  std::shared_ptr<actorhub::metrics> metrics;
  std::shared_ptr<dispatch::blocking_pool> pool;
  std::map<std::string, std::shared_ptr<hub_host>> hosts;  // by hub name
  std::unique_ptr<server> http;                            // null without a client endpoint
  bool started = false;
  std::atomic<bool> stopping{false};
};

node::node(node_options opts) : impl_(std::make_unique<impl>(std::move(opts))) {}

node::~node() {
  stop();
  impl_->http.reset();
  for (auto& [name, host] : impl_->hosts) host->shutdown();
  impl_->hosts.clear();
  impl_->deploy->stop();
  // Handlers still running there post their outcome to actors: let them end before the actor system does.
  impl_->pool->shutdown(std::chrono::seconds(2));
  // The actor system waits for the remaining actors when it is destroyed.
}

hub_context node::add_hub(hub h, unsigned transports) {
  auto& m = *impl_;
  auto name = h.name();
  h.observe_durations([metrics = m.metrics, name](const std::string& method) -> std::function<void(double)> {
    auto* histogram = &metrics->invocation_duration(name, method);
    return [histogram](double seconds) { histogram->Observe(seconds); };
  });
  auto report = [metrics = m.metrics](const std::string& hub, const std::string& handler,
                                      std::chrono::milliseconds ran_for) {
    metrics->slow_handler(hub, handler);
    log::warning("hub '" + hub + "': handler '" + handler + "' ran for " + std::to_string(ran_for.count()) +
                 " ms; it runs on the blocking pool from now on, so it delays only its own connection");
  };
  auto served = make_served_hub(std::move(h), m.opts.limits, m.opts.dispatch, m.pool, std::move(report));
  auto host = std::make_shared<hub_host>(m.sys, std::move(served), m.opts.dispatch.inline_dispatch,
                                         [&m](caf::actor_system&, const std::string& hub) {
                                           return m.deploy->make_router(hub);
                                         });
  if (m.http) m.http->add_hub("/" + name, host, transports);
  auto ctx = host->context();
  m.hosts.insert_or_assign(name, std::move(host));
  return ctx;
}

void node::map_hub(std::string path, const std::string& hub_name, unsigned transports) {
  auto i = impl_->hosts.find(hub_name);
  if (i == impl_->hosts.end()) throw std::invalid_argument("map_hub: no hub named '" + hub_name + "'");
  if (impl_->http) impl_->http->add_hub(std::move(path), i->second, transports);
}

hub_context node::context(const std::string& hub_name) const {
  auto i = impl_->hosts.find(hub_name);
  return i == impl_->hosts.end() ? hub_context{} : i->second->context();
}

http_routes& node::http() {
  if (!impl_->http) throw std::logic_error("this node has no client endpoint (node_options::client_endpoint)");
  return *impl_->http;
}
caf::actor_system& node::system() noexcept { return impl_->sys; }
const node_options& node::options() const noexcept { return impl_->opts; }
const std::string& node::name() const noexcept { return impl_->opts.name; }
std::uint16_t node::metrics_port() const { return impl_->metrics->exposed_port(); }

std::error_code node::start(std::string* what) {
  auto& m = *impl_;
  if (m.started) return {};
  if (m.http) {
    if (auto ec = m.http->listen()) {
      if (what) *what = "http " + host_port{m.opts.http.address, m.opts.http.port}.text();
      return ec;
    }
  }
  if (!m.opts.metrics_address.empty()) {
    auto address = parse_host_port(m.opts.metrics_address);
    auto ec = address ? m.metrics->expose(address->host, address->port)
                      : std::make_error_code(std::errc::invalid_argument);
    if (ec) {
      if (what) *what = "metrics " + m.opts.metrics_address;
      return ec;
    }
  }
  if (auto ec = m.deploy->start(what)) return ec;
  m.started = true;
  return {};
}

int node::run() {
  auto& m = *impl_;
  if (!m.started && start()) return 1;
  std::thread waiter([&] {
    auto s = stop_signals();
    timespec tick{0, 100'000'000};
    while (!m.stopping.load()) {
      if (sigtimedwait(&s, nullptr, &tick) > 0) break;
    }
    stop();
  });
  // Without a client endpoint the waiter alone runs until a signal or stop().
  if (m.http) m.http->run();  // returns once stop() closed every client
  m.stopping = true;
  waiter.join();
  for (auto& [name, host] : m.hosts) host->shutdown();
  m.deploy->stop();
  return 0;
}

void node::stop() {
  auto& m = *impl_;
  if (m.stopping.exchange(true)) return;
  // Draining first (a cluster hands its sessions off), then every client still here gets a Close.
  m.deploy->drain(std::chrono::milliseconds(2500));
  if (m.http) m.http->stop(m.deploy->clients_reconnect_elsewhere());
}

}  // namespace actorhub
