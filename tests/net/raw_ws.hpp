// A WebSocket client on a plain POSIX socket, for tests that need what the Beast client cannot give: a tiny
// receive buffer, reading paused and resumed at will, thousands of connections on one thread (non-blocking
// mode with an epoll loop), and the exact frames the server sent (Close code included).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace actorhub::test {

class raw_ws {
 public:
  // Connects to 127.0.0.1:port, upgrades `target` and sends a JSON handshake; `rcvbuf` > 0 sets SO_RCVBUF
  // before connecting. Blocking until the upgrade answer arrived; nullopt on failure.
  static std::optional<raw_ws> open(std::uint16_t port, const std::string& target = "/hub", int rcvbuf = 0,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(5));
  raw_ws(raw_ws&& o) noexcept;
  raw_ws& operator=(raw_ws&& o) noexcept;
  ~raw_ws();

  int fd() const { return fd_; }
  void send_text(const std::string& payload);  // one masked text frame (blocking)
  void set_non_blocking();

  // Reads what is available (non-blocking sockets) or waits up to `timeout` for data (blocking sockets);
  // parses complete frames. False once the connection ended (EOF or error).
  bool pump(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  // Reads until `pred` holds or the connection ends or `timeout` passes.
  template <class Pred>
  bool pump_until(Pred pred, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      if (!pump(left) && !pred()) return false;
    }
    return true;
  }

  // What arrived so far: hub protocol records (text frames split at 0x1E), the Close frame's code (0: none).
  std::vector<std::string> records;
  std::function<void(std::string_view)> on_record;  // when set, records go here instead of `records`
  int close_code = 0;
  std::string close_reason;
  bool ended = false;
  std::size_t bytes_read = 0;

 private:
  raw_ws() = default;
  void parse();
  int fd_ = -1;
  std::string in_;    // unparsed frame bytes
  std::string text_;  // a text message's fragments so far
};

}  // namespace actorhub::test
