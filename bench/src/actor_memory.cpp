// actorhub-actor-memory: heap and RSS per idle connection in the hub layer (actors/) alone.
//
// Connects N fake transports through hub_host::connect on a real actor system (2 threads, policy `sharing`,
// like actorhub::node), waits until every connection is registered and its on_connected ran, and prints
// the growth of malloc'd bytes (mallinfo2, all arenas) and of RSS per connection. The fake transports are
// made before the baseline, so only what the hub layer allocates per connection is counted: the connection
// actor, its connection_runtime, the router's registry entries and hub_host's per-connection receiver.
// Then every connection makes one invocation and the numbers are printed again (a used connection), and
// finally every connection is closed (what is left is a leak or allocator slack).
//
//   actorhub-actor-memory [N] [S]    N defaults to 20000; with S > 0, on_connected adds connection k (in the
//                                    order they connect) to group "g<k / S>" and the numbers include groups
//
// Waiting is on events (an on_connected / Completion / on_disconnected counter), never on sleeps.
#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/scoped_actor.hpp"

#include "actors/connection/connection_runtime.hpp"
#include <actorhub/hub.hpp>
#include "actors/hub_host.hpp"
#include "net/hub_connection.hpp"

namespace {

using namespace actorhub;

// Counts events and wakes the main thread when a target is reached.
class latch {
 public:
  void arm(std::size_t target) {
    std::lock_guard<std::mutex> g(m_);
    count_ = 0;
    target_ = target;
  }
  void hit() {
    std::lock_guard<std::mutex> g(m_);
    if (++count_ == target_) cv_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> g(m_);
    cv_.wait(g, [this] { return count_ >= target_; });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::size_t count_ = 0;
  std::size_t target_ = 0;
};

latch connected;
latch completed;
latch disconnected;

class null_protocol : public hub_protocol {
 public:
  protocol_kind kind() const noexcept override { return protocol_kind::json; }
  std::string_view name() const noexcept override { return "json"; }
  int version() const noexcept override { return 1; }
  bool binary() const noexcept override { return false; }
  void write(const hub_message&, std::string& out) const override { out += "{}"; }
  parse_status parse(std::string_view&, std::vector<hub_message>&, std::size_t) const override {
    return {parse_status::invalid, "not a codec"};
  }
};

// A transport that keeps nothing it is sent: it only counts Completions.
class null_connection : public hub_connection {
 public:
  null_connection(std::string id, const hub_protocol& p) : protocol_(p) {
    info_.connection_id = std::move(id);
    info_.hub = "bench";
    info_.transport = "WebSockets";
    info_.protocol = "json";
  }
  const connection_info& info() const noexcept override { return info_; }
  const hub_protocol& protocol() const noexcept override { return protocol_; }
  bool send(const encoded_ptr& msg) override {
    if (std::holds_alternative<completion_message>(msg->message())) completed.hit();
    return true;
  }
  void close(std::optional<std::string>, bool) override {}

 private:
  connection_info info_;
  const hub_protocol& protocol_;
};

// 22 characters like a real connection id (base64url of 16 random bytes): too long for the small-string
// buffer, so every copy of it is a heap allocation, as in the server.
std::string connection_id(std::size_t i) {
  static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string id(22, 'A');
  for (std::size_t k = 0; k < 22 && i > 0; ++k, i /= 64) id[21 - k] = digits[i % 64];
  return id;
}

struct sample {
  long long heap;  // bytes in use by malloc, all arenas, mmapped chunks included
  long long rss;   // resident bytes
};

sample measure() {
  malloc_trim(0);
  auto mi = mallinfo2();
  long long pages = 0, resident = 0;
  std::ifstream statm("/proc/self/statm");
  statm >> pages >> resident;
  return {static_cast<long long>(mi.uordblks + mi.hblkhd), resident * sysconf(_SC_PAGESIZE)};
}

void print(const char* what, const sample& base, const sample& now, std::size_t n) {
  std::printf("%-28s heap %8.1f B/conn   rss %8.1f B/conn   (heap +%lld B, rss +%lld B)\n", what,
              double(now.heap - base.heap) / double(n), double(now.rss - base.rss) / double(n),
              now.heap - base.heap, now.rss - base.rss);
}

void print_sizes() {
  std::printf("sizeof: event_based_actor %zu, actor_control_block %zu, connection_runtime %zu, invocation_state %zu,\n"
              "        upload_state %zu (a malloc block takes size + 8 bytes, rounded up to 16)\n",
              sizeof(caf::event_based_actor), sizeof(caf::actor_control_block), sizeof(detail::connection_runtime),
              sizeof(detail::invocation_state), sizeof(detail::upload_state));
}

std::size_t registered(caf::actor_system& sys, const hub_host& host) {
  caf::scoped_actor self{sys};
  std::size_t n = 0;
  self->request(host.router(), caf::infinite, stats_atom::value)
      .receive([&](router_stats& s) { n = s.connections; }, [&](caf::error&) { n = ~std::size_t{0}; });
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20000;
  const std::size_t group_size = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 0;
  if (n == 0) {
    std::fprintf(stderr, "usage: %s [N > 0] [group size]\n", argv[0]);
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  print_sizes();

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", std::size_t{2});
  cfg.set("scheduler.policy", caf::atom("sharing"));
  caf::actor_system sys{cfg};

  // The conformance hub's shape: a few methods, no work in on_connected (the counter only wakes us up).
  hub h("bench");
  h.on("Echo", [](hub_call&, std::string s) { return s; });
  h.on("Ping", [](hub_call&) {});
  h.on("Send", [](hub_call& c, std::string msg) { c.clients().all().send("Message", msg); });
  if (group_size == 0) {
    h.on_connected([](hub_call&) { connected.hit(); });
  } else {
    h.on_connected([group_size, next = std::make_shared<std::atomic<std::size_t>>(0)](hub_call& c) {
      auto group = "g" + std::to_string(next->fetch_add(1) / group_size);
      c.groups().add(c.connection_id(), group, [] { connected.hit(); });
    });
  }
  h.on_disconnected([](hub_call&, const std::optional<std::string>&) { disconnected.hit(); });
  // As a node serves it (dispatch policy included), with a pool that stays unused: on_connected is quick.
  dispatch_options dispatch;
  dispatch.probation_calls = 0;
  hub_host host(sys, make_served_hub(std::move(h), {}, dispatch, nullptr, {}));

  null_protocol protocol;
  std::vector<std::shared_ptr<null_connection>> conns;
  conns.reserve(n);
  for (std::size_t i = 0; i < n; ++i) conns.push_back(std::make_shared<null_connection>(connection_id(i), protocol));
  std::vector<std::unique_ptr<hub_inbound>> inbound;
  inbound.reserve(n);

  const auto base = measure();
  connected.arm(n);
  for (auto& c : conns) inbound.push_back(host.connect(c));
  connected.wait();
  if (auto r = registered(sys, host); r != n) {
    std::fprintf(stderr, "registered %zu of %zu connections\n", r, n);
    return 1;
  }
  const auto idle = measure();
  print("idle (registered)", base, idle, n);

  completed.arm(n);
  for (auto& in : inbound) in->on_messages({invocation_message{{}, std::string("1"), "Ping", {}, {}}});
  completed.wait();
  print("after one invocation each", base, measure(), n);

  disconnected.arm(n);
  for (auto& in : inbound) in->on_closed(std::nullopt);
  disconnected.wait();
  inbound.clear();
  // on_disconnected runs before the actor detaches: wait for the router to drop the last one.
  while (registered(sys, host) != 0) {
  }
  print("closed (leak + slack)", base, measure(), n);
  host.shutdown();
  return 0;
}
