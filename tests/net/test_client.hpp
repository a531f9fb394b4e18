// Test clients for the transport (HTTP, WebSocket, Server-Sent Events), with timeouts. The Beast code lives
// in test_client.cpp only, so the test files stay cheap to compile.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace actorhub::test {

using namespace std::chrono_literals;
using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_result {
  int status = 0;  // 0: no response (connection failed, timed out)
  std::string body;
  header_list headers;  // names as sent by the server
  std::optional<std::string> header(const std::string& name) const;  // first match, case-insensitive
  std::vector<std::string> all(const std::string& name) const;
};

http_result http(std::uint16_t port, const std::string& method, const std::string& target, std::string body = {},
                 const header_list& headers = {}, std::chrono::milliseconds timeout = 5s);

// One keep-alive HTTP connection for several requests in a row.
class http_connection {
 public:
  explicit http_connection(std::uint16_t port);
  ~http_connection();
  bool connected() const;
  http_result request(const std::string& method, const std::string& target, std::string body = {},
                      std::chrono::milliseconds timeout = 5s);

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

// Writes `raw` bytes to a fresh connection and returns whatever the server answers until it closes or
// `timeout` passes.
std::string raw_exchange(std::uint16_t port, const std::string& raw, std::chrono::milliseconds timeout = 3s);

struct ws_frame {
  std::string data;
  bool binary = false;
};

class ws_client {
 public:
  // Upgrades `target`; nullptr when refused (`*status` gets the HTTP status). `read` false: never reads
  // (a slow client), with a small receive buffer.
  static std::unique_ptr<ws_client> open(std::uint16_t port, const std::string& target, const header_list& headers = {},
                                         int* status = nullptr, bool read = true);
  ~ws_client();

  void send(std::string data, bool binary = false);
  // The next frame; nullopt on timeout or once the connection is closed and every frame was taken.
  std::optional<ws_frame> next(std::chrono::milliseconds timeout = 3s);
  // Waits for the connection to end; the close code the server sent (0 when none).
  bool wait_closed(std::chrono::milliseconds timeout = 3s);
  int close_code() const;
  void close(int code = 1000);  // a close frame
  void drop();                  // the TCP connection ends without a close frame

  struct impl;

 private:
  explicit ws_client(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

// A GET with Accept: text/event-stream; collects `data` of each event.
class sse_client {
 public:
  static std::unique_ptr<sse_client> open(std::uint16_t port, const std::string& target, int* status = nullptr,
                                          const header_list& headers = {});
  ~sse_client();
  std::optional<std::string> next(std::chrono::milliseconds timeout = 3s);  // an event's data
  bool wait_closed(std::chrono::milliseconds timeout = 3s);
  std::optional<std::string> header(const std::string& name) const;
  void drop();

  struct impl;

 private:
  explicit sse_client(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace actorhub::test
