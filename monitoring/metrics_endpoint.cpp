#include "monitoring/metrics_endpoint.hpp"


#include <civetweb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <thread>
#include <cstring>
#include <mutex>

namespace actorhub {
namespace {

constexpr const char* content_type = "text/plain; version=0.0.4; charset=utf-8";

void init_civetweb_once() {
  static std::once_flag once;
  std::call_once(once, [] { mg_init_library(0); });
}

// civetweb only says "Failed to setup server ports"; bind once ourselves to learn the real reason.
std::error_code bind_error(const std::string& host, std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {errno, std::system_category()};
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  std::error_code ec;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 1) != 0)
    ec = {errno, std::system_category()};
  ::close(fd);
  // It worked for us but not for civetweb (a race or a civetweb limit): still report a bind failure.
  return ec ? ec : std::make_error_code(std::errc::address_not_available);
}

// Connects and hangs up at once: enough to wake the civetweb listener out of its poll().
void poke(const std::string& host, std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, host == "0.0.0.0" ? "127.0.0.1" : host.c_str(), &addr.sin_addr);
  ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  ::close(fd);
}

void send_text(mg_connection* conn, int status, const char* type, const std::string& body, bool head) {
  mg_response_header_start(conn, status);
  mg_response_header_add(conn, "Content-Type", type, -1);
  const auto length = std::to_string(body.size());
  mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
  mg_response_header_add(conn, "Cache-Control", "no-store", -1);
  mg_response_header_send(conn);
  if (!head && !body.empty()) mg_write(conn, body.data(), body.size());
}

}  // namespace

metrics_endpoint::metrics_endpoint(body_source source) : source_(std::move(source)) {}

metrics_endpoint::~metrics_endpoint() { stop(); }

std::error_code metrics_endpoint::start(std::string host, std::uint16_t port) {
  // civetweb listens on IPv4 literals; "localhost" is the one name it is given here.
  if (host == "localhost") host = "127.0.0.1";
  in_addr parsed{};
  if (::inet_pton(AF_INET, host.c_str(), &parsed) != 1) return std::make_error_code(std::errc::invalid_argument);
  if (context_) return std::make_error_code(std::errc::already_connected);
  init_civetweb_once();

  const std::string ports = host + ":" + std::to_string(port);
  const char* options[] = {"listening_ports", ports.c_str(),
                           "num_threads", "2",
                           "request_timeout_ms", "10000",
                           nullptr};
  mg_callbacks callbacks{};
  mg_init_data init{&callbacks, this, options};
  char text[256] = "";
  unsigned code = 0;
  mg_error_data error{&code, text, sizeof text};
  context_ = mg_start2(&init, &error);
  if (!context_) return bind_error(host, port);

  host_ = host;
  mg_set_request_handler(context_, "/metrics$", &metrics_endpoint::handle, this);
  mg_server_port bound[4]{};
  if (mg_get_server_ports(context_, 4, bound) > 0) port_ = static_cast<std::uint16_t>(bound[0].port);
  return {};
}

void metrics_endpoint::stop() {
  if (!context_) return;
  // mg_stop sets a flag and joins civetweb's threads, but its listener thread only re-checks the flag when
  // its poll() returns, after up to 2 s. Poking the port with connections wakes it at once, which keeps
  // SIGTERM-to-exit fast.
  std::atomic<bool> stopped{false};
  std::thread waker([this, &stopped] {
    while (!stopped.load()) {
      poke(host_, port_);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  mg_stop(context_);
  stopped = true;
  waker.join();
  context_ = nullptr;
  port_ = 0;
}

int metrics_endpoint::handle(mg_connection* conn, void* self) {
  const auto* endpoint = static_cast<metrics_endpoint*>(self);
  const auto* request = mg_get_request_info(conn);
  const bool head = std::strcmp(request->request_method, "HEAD") == 0;
  if (!head && std::strcmp(request->request_method, "GET") != 0) {
    send_text(conn, 405, "text/plain; charset=utf-8", "method not allowed\n", false);
    return 405;
  }
  try {
    send_text(conn, 200, content_type, endpoint->source_(), head);
    return 200;
  } catch (const std::exception& e) {
    send_text(conn, 500, "text/plain; charset=utf-8", std::string{"metrics unavailable: "} + e.what() + "\n", head);
    return 500;
  }
}

}  // namespace actorhub
