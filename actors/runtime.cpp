// The runtime: wires hubs into the server, runs until a signal, shuts down in order.
#include "actors/runtime.hpp"

#include <csignal>
#include <ctime>
#include <thread>

#include <prometheus/histogram.h>

namespace actorhub {

namespace {

sigset_t stop_signals() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGTERM);
  return s;
}

caf::actor_system_config& configure(caf::actor_system_config& cfg, const runtime_options& opts) {
  // Before the actor system starts its threads, so they inherit the blocked signals.
  auto s = stop_signals();
  pthread_sigmask(SIG_BLOCK, &s, nullptr);
  cfg.set("scheduler.max-threads", opts.actor_threads == 0 ? std::size_t{1} : opts.actor_threads);
  cfg.set("scheduler.policy", caf::atom("sharing"));
  return cfg;
}

}  // namespace

runtime::runtime(runtime_options opts)
    : opts_(std::move(opts)),
      sys_(configure(cfg_, opts_)),
      metrics_(std::make_shared<actorhub::metrics>()),
      server_(std::make_unique<server>(opts_.server, metrics_)) {}

runtime::~runtime() {
  stop();
  server_.reset();
  for (auto& [name, host] : hosts_) host->shutdown();
  hosts_.clear();
  // sys_ waits for the remaining actors when it is destroyed.
}

hub_context runtime::add_hub(hub h, unsigned transports) {
  auto name = h.name();
  h.observe_durations([m = metrics_, name](const std::string& method) -> std::function<void(double)> {
    auto* histogram = &m->invocation_duration(name, method);
    return [histogram](double seconds) { histogram->Observe(seconds); };
  });
  auto host = std::make_shared<hub_host>(sys_, std::make_shared<const hub>(std::move(h)), opts_.make_router);
  server_->add_hub("/" + name, host, transports);
  auto ctx = host->context();
  hosts_.insert_or_assign(name, std::move(host));
  return ctx;
}

void runtime::map_hub(std::string path, const std::string& hub_name, unsigned transports) {
  auto i = hosts_.find(hub_name);
  if (i == hosts_.end()) throw std::invalid_argument("map_hub: no hub named '" + hub_name + "'");
  server_->add_hub(std::move(path), i->second, transports);
}

hub_context runtime::context(const std::string& hub_name) const {
  auto i = hosts_.find(hub_name);
  return i == hosts_.end() ? hub_context{} : i->second->context();
}

std::error_code runtime::start(std::string* what) {
  if (started_) return {};
  if (auto ec = server_->listen()) {
    if (what) *what = "http " + opts_.server.address + ":" + std::to_string(opts_.server.port);
    return ec;
  }
  if (!opts_.metrics_address.empty()) {
    if (auto ec = metrics_->expose(opts_.metrics_address)) {
      if (what) *what = "metrics " + opts_.metrics_address;
      return ec;
    }
  }
  started_ = true;
  return {};
}

int runtime::run() {
  if (!started_ && start()) return 1;
  std::thread waiter([this] {
    auto s = stop_signals();
    timespec tick{0, 100'000'000};
    while (!stopping_.load()) {
      if (sigtimedwait(&s, nullptr, &tick) > 0) break;
    }
    stop();
  });
  server_->run();  // returns once stop() closed every client
  stopping_ = true;
  waiter.join();
  for (auto& [name, host] : hosts_) host->shutdown();
  return 0;
}

void runtime::stop() {
  if (stopping_.exchange(true)) return;
  server_->stop();
}

}  // namespace actorhub
