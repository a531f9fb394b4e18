// The metrics registry and its /metrics endpoint, scraped over real HTTP (libcurl) like Prometheus would.
#include "monitoring/metrics.hpp"

#include <curl/curl.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

namespace {

struct http_response {
  long status = 0;
  std::string content_type;
  std::string body;
};

size_t append(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

http_response http_get(std::uint16_t port, const std::string& path) {
  http_response r;
  CURL* curl = curl_easy_init();
  const auto url = "http://127.0.0.1:" + std::to_string(port) + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 5L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    char* type = nullptr;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
    if (type) r.content_type = type;
  }
  curl_easy_cleanup(curl);
  return r;
}

// Value of the sample `name{labels}` (labels exactly as printed), or -1 when absent.
double sample(const std::string& text, const std::string& series) {
  const auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

bool has_type(const std::string& text, const std::string& family, const std::string& type) {
  return text.find("# TYPE " + family + " " + type + "\n") != std::string::npos;
}

struct listening_socket {
  int fd = -1;
  std::uint16_t port = 0;
  listening_socket() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), len);
    ::listen(fd, 1);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~listening_socket() { ::close(fd); }
};

const char* const counter_families[] = {
    "actorhub_messages_received_total", "actorhub_messages_sent_total",      "actorhub_received_bytes_total",
    "actorhub_sent_bytes_total",        "actorhub_handshake_failures_total", "actorhub_connections_closed_slow_total",
    "actorhub_connections_closed_error_total"};

TEST(metrics, every_family_is_typed_before_any_traffic) {
  actorhub::metrics m;
  ASSERT_FALSE(m.expose("127.0.0.1", 0));
  ASSERT_NE(m.exposed_port(), 0);
  const auto r = http_get(m.exposed_port(), "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type.rfind("text/plain; version=0.0.4", 0), 0u) << r.content_type;
  EXPECT_TRUE(has_type(r.body, "actorhub_connections", "gauge")) << r.body;
  for (const char* family : counter_families) EXPECT_TRUE(has_type(r.body, family, "counter")) << family;
  EXPECT_TRUE(has_type(r.body, "actorhub_invocation_duration_seconds", "histogram"));
  EXPECT_FALSE(has_type(r.body, "actorhub_app_servers", "gauge")) << "gateway-only family";
}

TEST(metrics, values_move_with_traffic) {
  actorhub::metrics m;
  ASSERT_FALSE(m.expose("127.0.0.1", 0));
  auto& hub = m.hub("/testhub");
  hub.connection_opened();
  hub.connection_opened();
  hub.connection_closed();
  hub.received(3, 120);
  hub.sent(5, 400);
  hub.handshake_failures->Increment();
  hub.closed_slow->Increment();
  hub.closed_protocol_error->Increment(2);
  m.observe_invocation("/testhub", "Echo", 0.0002);
  m.observe_invocation("/testhub", "Echo", 3.0);

  const auto text = http_get(m.exposed_port(), "/metrics").body;
  EXPECT_EQ(sample(text, R"m(actorhub_connections{hub="testhub"})m"), 1) << text;
  EXPECT_EQ(sample(text, R"m(actorhub_messages_received_total{hub="testhub"})m"), 3);
  EXPECT_EQ(sample(text, R"m(actorhub_received_bytes_total{hub="testhub"})m"), 120);
  EXPECT_EQ(sample(text, R"m(actorhub_messages_sent_total{hub="testhub"})m"), 5);
  EXPECT_EQ(sample(text, R"m(actorhub_sent_bytes_total{hub="testhub"})m"), 400);
  EXPECT_EQ(sample(text, R"m(actorhub_handshake_failures_total{hub="testhub"})m"), 1);
  EXPECT_EQ(sample(text, R"m(actorhub_connections_closed_slow_total{hub="testhub"})m"), 1);
  EXPECT_EQ(sample(text, R"m(actorhub_connections_closed_error_total{hub="testhub"})m"), 2);
  EXPECT_EQ(sample(text, R"m(actorhub_invocation_duration_seconds_count{hub="testhub",method="Echo"})m"), 2);
  EXPECT_EQ(sample(text, R"m(actorhub_invocation_duration_seconds_bucket{hub="testhub",method="Echo",le="5e-05"})m"), 0);
  EXPECT_EQ(sample(text, R"m(actorhub_invocation_duration_seconds_bucket{hub="testhub",method="Echo",le="0.00025"})m"), 1);
  EXPECT_EQ(sample(text, R"m(actorhub_invocation_duration_seconds_bucket{hub="testhub",method="Echo",le="10"})m"), 2);
  EXPECT_EQ(sample(text, R"m(actorhub_invocation_duration_seconds_bucket{hub="testhub",method="Echo",le="+Inf"})m"), 2);
  // The same values are in scrape() without HTTP.
  EXPECT_EQ(sample(m.scrape(), R"m(actorhub_messages_sent_total{hub="testhub"})m"), 5);
}

TEST(metrics, hub_label_drops_slashes_and_references_are_stable) {
  actorhub::metrics m;
  auto& a = m.hub("/chat");
  EXPECT_EQ(&a, &m.hub("chat"));
  EXPECT_EQ(&a, &m.hub("/chat/"));
  EXPECT_EQ(&m.invocation_duration("/chat", "Send"), &m.invocation_duration("chat", "Send"));
  EXPECT_NE(&m.invocation_duration("/chat", "Send"), &m.invocation_duration("/chat", "Sen"));
  a.connection_opened();
  EXPECT_NE(m.scrape().find(R"m(actorhub_connections{hub="chat"} 1)m"), std::string::npos) << m.scrape();
}

TEST(metrics, made_up_method_names_cannot_grow_the_series_without_bound) {
  actorhub::metrics m;
  for (std::size_t i = 0; i < actorhub::metrics::max_duration_series + 50; ++i)
    m.observe_invocation("/testhub", "m" + std::to_string(i), 0.001);
  const auto text = m.scrape();
  EXPECT_EQ(sample(text, R"m(actorhub_invocation_duration_seconds_count{hub="testhub",method="(other)"})m"), 50);
  EXPECT_EQ(sample(text, R"m(actorhub_invocation_duration_seconds_count{hub="testhub",method="m0"})m"), 1);
}

TEST(metrics, gateway_family_appears_when_used) {
  actorhub::metrics m;
  m.app_servers().Set(2);
  const auto text = m.scrape();
  EXPECT_TRUE(has_type(text, "actorhub_app_servers", "gauge"));
  EXPECT_EQ(sample(text, "actorhub_app_servers"), 2);
}

TEST(metrics, expose_reports_errors_instead_of_throwing) {
  actorhub::metrics m;
  EXPECT_EQ(m.expose("not-an-address", 80), std::errc::invalid_argument);
  EXPECT_EQ(m.expose("256.0.0.1", 80), std::errc::invalid_argument);
  listening_socket taken;
  EXPECT_EQ(m.expose("127.0.0.1", taken.port), std::errc::address_in_use);
  EXPECT_EQ(m.exposed_port(), 0);
  // A failed attempt leaves the object usable.
  EXPECT_FALSE(m.expose("localhost", 0));
  EXPECT_NE(m.exposed_port(), 0);
}

TEST(metrics, only_metrics_path_is_served) {
  actorhub::metrics m;
  ASSERT_FALSE(m.expose("127.0.0.1", 0));
  EXPECT_EQ(http_get(m.exposed_port(), "/").status, 404);
  EXPECT_EQ(http_get(m.exposed_port(), "/metricsx").status, 404);
  EXPECT_EQ(http_get(m.exposed_port(), "/metrics").status, 200);
}

}  // namespace

namespace {

// SIGTERM must end the process within 5 s; the endpoint must not hold shutdown up after it served a scrape.
TEST(metrics, shutting_down_after_a_scrape_is_quick) {
  auto m = std::make_unique<actorhub::metrics>();
  ASSERT_FALSE(m->expose("127.0.0.1", 0));
  ASSERT_EQ(http_get(m->exposed_port(), "/metrics").status, 200);
  const auto start = std::chrono::steady_clock::now();
  m.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

}  // namespace
