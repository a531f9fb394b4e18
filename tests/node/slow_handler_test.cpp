// A slow handler costs only its own connection: a node with a method that blocks for seconds keeps answering
// every other client's Echo quickly, names the slow method once (metric), and quick methods run in the
// connection actor (no thread hop) once they have shown to be quick.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <actorhub/node.hpp>

#include "test_client.hpp"

namespace {

using namespace std::chrono_literals;
using actorhub::test::ws_client;
using clock_type = std::chrono::steady_clock;

constexpr char rs = '\x1e';

// Both dispatch paths: inline (the default) and plain (CAF's scheduler runs every connection actor).
bool plain_dispatch() {
  auto* v = std::getenv("ACTORHUB_TEST_PLAIN_DISPATCH");
  return v && std::string(v) == "1";
}

struct running_node {
  explicit running_node(actorhub::hub h, actorhub::node_options o = {}) {
    o.dispatch.inline_dispatch = !plain_dispatch();
    o.http.port = 0;
    o.metrics_address = "127.0.0.1:0";
    n = std::make_unique<actorhub::node>(o);
    n->add_hub(std::move(h));
    EXPECT_FALSE(n->start());
    runner = std::thread([this] { n->run(); });
  }
  ~running_node() {
    n->stop();
    runner.join();
  }
  std::uint16_t port() { return n->http().port(); }

  std::unique_ptr<actorhub::node> n;
  std::thread runner;
};

// A JSON-protocol client on a WebSocket without negotiate.
struct hub_client {
  explicit hub_client(std::uint16_t port) {
    ws = ws_client::open(port, "/h");
    EXPECT_TRUE(ws);
    ws->send(std::string(R"({"protocol":"json","version":1})") + rs);
    auto hello = ws->next(3s);
    EXPECT_TRUE(hello && hello->data == std::string("{}") + rs);
  }
  void invoke(const std::string& id, const std::string& target, const std::string& args) {
    ws->send(R"({"type":1,"invocationId":")" + id + R"(","target":")" + target + R"(","arguments":)" + args + "}" + rs);
  }
  // Waits for the Completion of `id`; false on timeout. Records of one frame are kept for later calls.
  bool completion(const std::string& id, std::chrono::milliseconds timeout) {
    auto until = clock_type::now() + timeout;
    const auto needle = R"("type":3,"invocationId":")" + id + "\"";
    for (;;) {
      for (auto r = records.begin(); r != records.end(); ++r)
        if (r->find(needle) != std::string::npos) {
          records.erase(r);
          return true;
        }
      auto left = until - clock_type::now();
      if (left <= 0ms) return false;
      auto f = ws->next(std::chrono::duration_cast<std::chrono::milliseconds>(left));
      if (!f) return false;
      for (std::size_t start = 0, end; (end = f->data.find(rs, start)) != std::string::npos; start = end + 1)
        records.push_back(f->data.substr(start, end - start));
    }
  }
  std::vector<std::string> records;
  std::unique_ptr<ws_client> ws;
};

actorhub::hub make_hub() {
  actorhub::hub h("h");
  h.on("Echo", [](std::string s) { return s; });
  h.on("Block", [](int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return ms;
  });
  return h;
}

double p99_ms(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, v.size() * 99 / 100)];
}

TEST(slow_handler, blocks_only_its_own_connection) {
  running_node node(make_hub());
  std::vector<std::unique_ptr<hub_client>> echoers;
  for (int i = 0; i < 20; ++i) echoers.push_back(std::make_unique<hub_client>(node.port()));
  hub_client blocker(node.port());

  // Past the probation: Echo is quick and runs in the connection actor from now on.
  for (int round = 0; round < 10; ++round)
    for (auto& c : echoers) {
      c->invoke("w" + std::to_string(round), "Echo", R"(["warm"])");
      ASSERT_TRUE(c->completion("w" + std::to_string(round), 3s));
    }

  // One call that blocks for 2 s, and the blocker's next invocation queued behind it.
  blocker.invoke("b1", "Block", "[2000]");
  blocker.invoke("b2", "Echo", R"(["after"])");
  std::vector<double> rtts;
  const auto start = clock_type::now();
  int n = 0;
  while (clock_type::now() - start < 1800ms) {
    for (auto& c : echoers) c->invoke("e" + std::to_string(n), "Echo", R"(["x"])");
    auto sent = clock_type::now();
    for (auto& c : echoers) {
      ASSERT_TRUE(c->completion("e" + std::to_string(n), 3s)) << "an echo waited for the blocking call";
      rtts.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - sent).count());
    }
    ++n;
  }
  EXPECT_GT(rtts.size(), 100u);
  std::printf("echo while Block(2000) runs: %zu round trips, p99 %.2f ms\n", rtts.size(), p99_ms(rtts));
  EXPECT_LT(p99_ms(rtts), 50.0) << "other clients' echo p99 while one method blocks";
  // The blocker's own connection waited: its Block completes, then its Echo.
  EXPECT_TRUE(blocker.completion("b1", 3s));
  EXPECT_TRUE(blocker.completion("b2", 1s));
}

TEST(slow_handler, a_method_that_turns_slow_is_named_and_moved_to_the_pool) {
  actorhub::hub h("h");
  auto calls = std::make_shared<std::atomic<int>>(0);
  h.on("Echo", [](std::string s) { return s; });
  // Quick for its first 20 calls (promoted to run in the actor), then blocks once for 300 ms, then quick again.
  h.on("Sometimes", [calls]() {
    if (++*calls == 21) std::this_thread::sleep_for(300ms);
    return calls->load();
  });
  actorhub::node_options o;
  o.dispatch.slow_call = 100ms;
  running_node node(std::move(h), o);
  hub_client a(node.port());
  hub_client b(node.port());
  for (int i = 0; i < 20; ++i) {
    a.invoke("q" + std::to_string(i), "Sometimes", "[]");
    ASSERT_TRUE(a.completion("q" + std::to_string(i), 3s));
  }
  a.invoke("slow", "Sometimes", "[]");
  ASSERT_TRUE(a.completion("slow", 3s));
  // From now on it runs on the blocking pool: the slow call is reported once, in the log and the metric.
  auto metrics = actorhub::test::http(node.n->metrics_port(), "GET", "/metrics");
  EXPECT_NE(metrics.body.find(R"(actorhub_slow_handlers_total{handler="Sometimes",hub="h"} 1)"), std::string::npos)
      << metrics.body.substr(0, 2000);
  // And b's echoes are unaffected while a calls it again.
  a.invoke("again", "Sometimes", "[]");
  b.invoke("e", "Echo", R"(["x"])");
  EXPECT_TRUE(b.completion("e", 1s));
  EXPECT_TRUE(a.completion("again", 3s));
}

}  // namespace
