// Slow consumers: the outbound byte cap and the send timeout. A short pause of a reader costs nothing; a
// client that stops reading is closed (Close message with the reason, WebSocket Close 1008) after the send
// timeout or at the cap; fast clients of the same broadcast lose nothing; the closes are counted by reason.
#include <fstream>
#include <thread>

#include <sys/epoll.h>

#include <prometheus/counter.h>

#include "monitoring/metrics.hpp"
#include "raw_ws.hpp"
#include "test_support.hpp"

namespace actorhub::test {
namespace {

std::size_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

double closed(metrics& m, close_reason r) { return m.hub("hub").closed[static_cast<std::size_t>(r)]->Value(); }

std::size_t count_data(const raw_ws& c) {
  std::size_t n = 0;
  for (const auto& r : c.records)
    if (r.find(R"("target":"Data")") != std::string::npos) ++n;
  return n;
}

bool has_close_record(const raw_ws& c, const std::string& text) {
  for (const auto& r : c.records)
    if (r.find(R"("type":7)") != std::string::npos && r.find(text) != std::string::npos) return true;
  return false;
}

class SlowConsumer : public ::testing::Test {
 protected:
  virtual server_options options() {
    auto o = test_options();
    o.tcp_send_buffer = 8192;  // keep the kernel from absorbing what the test is about
    return o;
  }
  void SetUp() override {
    hub = std::make_shared<echo_hub>();
    m = std::make_shared<metrics>();
    s = std::make_unique<running_server>(options(), [this](server& srv) { srv.add_hub("/hub", hub); }, m);
  }
  // A connected client with a 4 KiB receive buffer whose handshake answer was read.
  raw_ws client() {
    auto before = hub->connects();
    auto c = raw_ws::open(s->port(), "/hub", 4096);
    EXPECT_TRUE(c);
    EXPECT_TRUE(c->pump_until([&] { return !c->records.empty(); }, 3s));
    EXPECT_TRUE(hub->state.wait([&] { return hub->connections.size() > before; }));
    return std::move(*c);
  }

  std::shared_ptr<echo_hub> hub;
  std::shared_ptr<metrics> m;
  std::unique_ptr<running_server> s;
};

// The default cap and timeout: a reader that pauses while 400 KB arrive keeps its connection and gets it all.
TEST_F(SlowConsumer, ShortPauseUnder400KBKeepsTheConnection) {
  auto c = client();
  c.send_text(invocation("", "Flood", "[40, 10240]"));  // 40 x 10 KiB, the client reads nothing meanwhile
  ASSERT_TRUE(hub->state.wait([&] { return !hub->invocations.empty(); }));
  std::this_thread::sleep_for(150ms);  // the pause under test, not a synchronisation
  EXPECT_TRUE(c.pump_until([&] { return count_data(c) == 40; }, 5s));
  EXPECT_EQ(count_data(c), 40u);
  EXPECT_EQ(c.close_code, 0);
  EXPECT_EQ(hub->closed(), 0u);
  EXPECT_EQ(hub->flood_refused, 0u);
  EXPECT_EQ(closed(*m, close_reason::slow), 0);
}

class SlowConsumerCap : public SlowConsumer {
 protected:
  server_options options() override {
    auto o = SlowConsumer::options();
    o.max_buffer = 16 * 1024;
    o.max_outbound_bytes = 64 * 1024;
    o.send_timeout = 3s;
    return o;
  }
};

// Past the byte cap the client is closed at once, and a client that reads again sees why: the Close message
// with the reason after what was already being written, then a WebSocket Close 1008.
TEST_F(SlowConsumerCap, OverTheCapGetsCloseMessageAndCloseFrame) {
  auto c = client();
  c.send_text(invocation("", "Flood", "[200, 4096]"));  // 800 KiB against a 64 KiB cap
  ASSERT_TRUE(hub->state.wait([&] { return hub->flood_refused > 0; }, 3s));
  EXPECT_TRUE(c.pump_until([&] { return c.close_code != 0; }, 5s));
  EXPECT_EQ(c.close_code, 1008);
  EXPECT_TRUE(has_close_record(c, "outbound buffer is full")) << c.records.size() << " records";
  EXPECT_LT(count_data(c), 200u);
  ASSERT_TRUE(hub->state.wait([&] { return hub->closes.size() == 1; }, 3s));
  EXPECT_TRUE(hub->closes[0] && hub->closes[0]->find("outbound buffer") != std::string::npos);
  EXPECT_EQ(closed(*m, close_reason::slow), 1);
  EXPECT_EQ(m->hub("hub").closed_slow->Value(), 1);
}

class SlowConsumerTimeout : public SlowConsumer {
 protected:
  server_options options() override {
    auto o = SlowConsumer::options();
    o.max_buffer = 16 * 1024;
    o.send_timeout = 600ms;
    return o;
  }
};

// Above max_buffer but under the cap: closed once the send timeout has passed, not before.
TEST_F(SlowConsumerTimeout, StalledClientIsClosedAfterTheSendTimeout) {
  auto c = client();
  auto start = std::chrono::steady_clock::now();
  c.send_text(invocation("", "Flood", "[50, 4096]"));  // 200 KiB: over max_buffer, under the 1 MiB cap
  ASSERT_TRUE(hub->state.wait([&] { return hub->closes.size() == 1; }, 5s));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 600ms);
  EXPECT_LT(took, 3s);
  EXPECT_EQ(hub->flood_refused, 0u);
  EXPECT_TRUE(hub->closes[0] && hub->closes[0]->find("send timeout") != std::string::npos);
  EXPECT_EQ(closed(*m, close_reason::slow), 1);
}

// Reasons other than slow are counted too.
TEST_F(SlowConsumer, ClosesAreCountedByReason) {
  {
    auto c = client();
    c.send_text(std::string(R"({"type":7})") + rs);  // the client's Close message
    c.pump_until([&] { return c.close_code != 0 || c.ended; }, 3s);  // and answers the server's Close
    ASSERT_TRUE(hub->state.wait([&] { return hub->closes.size() == 1; }));
  }
  {
    auto c = client();
    c.send_text("garbage\x1e");
    c.pump_until([&] { return c.close_code != 0 || c.ended; }, 3s);  // and answers the server's Close
    ASSERT_TRUE(hub->state.wait([&] { return hub->closes.size() == 2; }));
  }
  {
    auto c = client();
    c.send_text(invocation("", "Close", R"(["bye"])"));
    c.pump_until([&] { return c.close_code != 0 || c.ended; }, 3s);  // and answers the server's Close
    ASSERT_TRUE(hub->state.wait([&] { return hub->closes.size() == 3; }));
  }
  EXPECT_EQ(closed(*m, close_reason::client), 1);
  EXPECT_EQ(closed(*m, close_reason::protocol_error), 1);
  EXPECT_EQ(closed(*m, close_reason::server), 1);
  EXPECT_EQ(closed(*m, close_reason::slow), 0);
  auto text = m->scrape();
  EXPECT_NE(text.find(R"(actorhub_connections_closed_total{hub="hub",reason="protocol_error"} 1)"), std::string::npos)
      << text;
}

class SlowConsumerBroadcast : public SlowConsumer {
 protected:
  server_options options() override {
    auto o = SlowConsumer::options();
    o.max_buffer = 16 * 1024;
    o.send_timeout = 1500ms;
    o.client_timeout = 120s;  // the clients only read; a loaded CI machine must not turn this into a timeout test
    return o;
  }
};

// 1,000 fast clients and 20 that stop reading, one broadcast to all: the slow ones are closed after the send
// timeout, every fast one receives every message in order, and memory stays bounded.
TEST_F(SlowConsumerBroadcast, ThousandFastAndTwentySlowClients) {
  constexpr std::size_t fast_n = 1000, slow_n = 20, total = fast_n + slow_n;
  constexpr int messages = 300;
  std::vector<raw_ws> clients;
  clients.reserve(total);
  std::vector<bool> slow(total, false);
  for (std::size_t i = 0; i < total; ++i) {
    clients.push_back(client());
    slow[i] = i % (total / slow_n) == 0;  // spread among the others
  }
  ASSERT_EQ(hub->connects(), total);
  std::vector<hub_connection_ptr> conns;
  for (std::size_t i = 0; i < total; ++i) conns.push_back(hub->connection(i));

  int ep = epoll_create1(EPOLL_CLOEXEC);
  for (std::size_t i = 0; i < total; ++i) {
    if (slow[i]) continue;
    clients[i].set_non_blocking();
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, clients[i].fd(), &ev);
  }
  // Each fast client checks order as records arrive and keeps only a count (the test's memory stays flat).
  std::vector<int> got(total, 0);
  std::vector<bool> out_of_order(total, false);
  for (std::size_t i = 0; i < total; ++i) {
    if (slow[i]) continue;
    clients[i].on_record = [&, i](std::string_view r) {
      if (r.find(R"("target":"Data")") == std::string_view::npos) return;
      if (r.find("[" + std::to_string(got[i]) + ",") == std::string_view::npos) out_of_order[i] = true;
      ++got[i];
    };
  }
  auto rss_before = rss_bytes();
  std::size_t rss_peak = rss_before;

  // The broadcaster: one encoded message per step, the same bytes to every connection (as the router does).
  std::atomic<bool> sent_all{false};
  std::atomic<std::size_t> refused{0};
  auto start = std::chrono::steady_clock::now();
  std::thread broadcaster([&] {
    for (int k = 0; k < messages; ++k) {
      auto msg = encode(invocation_message{{}, std::nullopt, "Data", {value(std::int64_t{k}), value(std::string(500, 'x'))}, {}});
      for (auto& c : conns)
        if (!c->send(msg)) ++refused;
      std::this_thread::sleep_for(10ms);  // pacing of the load, about 100 messages per second
    }
    sent_all = true;
  });

  // The fast clients read everything.
  std::size_t done = 0;
  std::vector<bool> finished(total, false);
  auto deadline = start + 45s;
  epoll_event evs[256];
  while (done < fast_n && std::chrono::steady_clock::now() < deadline) {
    int n = epoll_wait(ep, evs, 256, 100);
    for (int e = 0; e < n; ++e) {
      auto i = evs[e].data.u64;
      clients[i].pump();
      if (!finished[i] && got[i] == messages) {
        finished[i] = true;
        ++done;
      }
    }
    rss_peak = std::max(rss_peak, rss_bytes());
  }
  broadcaster.join();
  ::close(ep);

  EXPECT_EQ(done, fast_n) << "fast clients that received every message";
  for (std::size_t i = 0; i < total; ++i) {
    if (slow[i]) continue;
    ASSERT_EQ(clients[i].close_code, 0) << "fast client " << i << " was closed";
    ASSERT_FALSE(clients[i].ended) << "fast client " << i << " lost its connection";
    ASSERT_EQ(got[i], messages) << "fast client " << i;
    ASSERT_FALSE(out_of_order[i]) << "fast client " << i;
  }
  // Exactly the slow ones were closed, as slow, after the send timeout.
  ASSERT_TRUE(hub->state.wait([&] { return hub->closes.size() == slow_n; }, 5s)) << hub->closed();
  EXPECT_EQ(closed(*m, close_reason::slow), slow_n);
  for (const auto& e : hub->closes) EXPECT_TRUE(e && e->find("send timeout") != std::string::npos);
  EXPECT_GT(refused.load(), 0u);  // sends to the closed slow clients were refused, not queued
  // Server and clients in one process: 1,020 connections, their queues and the test's buffers. Not under
  // AddressSanitizer, whose quarantine keeps freed memory resident (185 MB here): the plain build checks it.
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(rss_peak - rss_before, 64u * 1024 * 1024) << "RSS grew by " << (rss_peak - rss_before) / 1024 << " KiB";
#endif
  std::cout << "[ info ] " << fast_n << " fast clients got " << messages << " messages each in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count()
            << " ms; RSS +" << (rss_peak - rss_before) / 1024 << " KiB\n";
}

}  // namespace
}  // namespace actorhub::test
