// Shared pieces of the transport tests: a fake hub endpoint that echoes, a server running on its own
// thread, and helpers for hub protocol records.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "net/hub_connection.hpp"
#include "net/hub_protocol.hpp"
#include <actorhub/raw_connection.hpp>
#include "net/server.hpp"
#include "test_client.hpp"

namespace actorhub::test {

constexpr char rs = '\x1e';

// Waits until `pred` holds (checked on every notify) or `timeout` passes.
class observed {
 public:
  template <class F>
  void update(F&& f) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      f();
    }
    cv_.notify_all();
  }
  template <class P>
  bool wait(P&& pred, std::chrono::milliseconds timeout = 3s) {
    std::unique_lock<std::mutex> lk(mu_);
    return cv_.wait_for(lk, timeout, pred);
  }
  std::mutex& mutex() { return mu_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
};

// A hub that answers "Echo" with a Completion of its first argument, "Flood"(n, size) with n invocations of
// `size` bytes to the caller, "Close"(error) by closing the connection. It records what happened.
class echo_hub : public hub_endpoint, public std::enable_shared_from_this<echo_hub> {
 public:
  bool require_auth = false;
  bool requires_authentication() const noexcept override { return require_auth; }
  std::unique_ptr<hub_inbound> connect(hub_connection_ptr conn) override;

  observed state;
  std::vector<hub_connection_ptr> connections;       // every connect()
  std::vector<std::optional<std::string>> closes;    // every on_closed()
  std::vector<std::string> invocations;              // targets, in arrival order
  std::size_t flood_refused = 0;                     // sends that returned false
  std::atomic<int> concurrent_violations{0};
  bool gate_open = true;  // "Wait" blocks its connection's inbound call until the gate opens

  void set_gate(bool open) { state.update([&] { gate_open = open; }); }

  std::size_t connects() { std::lock_guard<std::mutex> lk(state.mutex()); return connections.size(); }
  std::size_t closed() { std::lock_guard<std::mutex> lk(state.mutex()); return closes.size(); }
  hub_connection_ptr connection(std::size_t i) {
    std::lock_guard<std::mutex> lk(state.mutex());
    return i < connections.size() ? connections[i] : nullptr;
  }
};

// A raw endpoint that sends every message back as-is.
class echo_endpoint : public raw_endpoint {
 public:
  std::unique_ptr<raw_receiver> connect(raw_connection_ptr conn) override;
  observed state;
  int closed = 0;
};

// A server on port 0 running on its own thread; stop() + join on destruction.
class running_server {
 public:
  explicit running_server(server_options o, const std::function<void(server&)>& setup = {},
                          std::shared_ptr<metrics> m = nullptr);
  ~running_server();
  std::uint16_t port() const { return srv_.port(); }
  server& get() { return srv_; }
  // stop() and wait for run() to return; true when it returned within `timeout`.
  bool stop(std::chrono::milliseconds timeout = 5s);

 private:
  server srv_;
  std::thread thread_;
  std::atomic<bool> done_{false};
  observed finished_;
};

server_options test_options();

// ---- hub protocol helpers
std::string handshake_request(const std::string& protocol = "json", int version = 1);
std::string invocation(const std::string& id, const std::string& target, const std::string& args_json);
// Splits a frame into its JSON records.
std::vector<boost::json::object> records(const std::string& frame);
// Reads hub records from a WebSocket client, frame by frame, keeping the records not yet asked for.
class record_reader {
 public:
  explicit record_reader(ws_client& c) : c_(c) {}
  // The next record matching `pred`; records before it are dropped.
  std::optional<boost::json::object> next(const std::function<bool(const boost::json::object&)>& pred,
                                          std::chrono::milliseconds timeout = 3s);
  std::optional<boost::json::object> next_type(int type, std::chrono::milliseconds timeout = 3s);

 private:
  ws_client& c_;
  std::vector<boost::json::object> backlog_;
};
boost::json::object negotiate_json(std::uint16_t port, const std::string& hub, const std::string& query = "negotiateVersion=1");

// Negotiates, opens a WebSocket and completes a JSON handshake; nullptr on failure.
std::unique_ptr<ws_client> connect_json(std::uint16_t port, const std::string& hub = "/hub", int version = 1,
                                        const std::string& negotiate_query = "negotiateVersion=1",
                                        std::string* token_out = nullptr);

}  // namespace actorhub::test
