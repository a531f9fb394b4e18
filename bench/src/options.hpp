#pragma once
// Command line of actorhub-bench. Everything is bounded: connections, messages, duration and a hard timeout.
#include <string>
#include <vector>

#include "connection.hpp"

namespace bench {

struct options {
  std::string scenario;                                // echo | broadcast | groups | idle | churn
  std::string url = "http://127.0.0.1:5000/testhub";  // SignalR hub URL or peer base URL (the first --url)
  std::vector<std::string> more_urls;                  // further --url: connections spread round-robin (cluster)
  std::string peer = "signalr";                        // signalr | ws | socketio
  std::string protocol = "json";                       // json | messagepack (signalr only)
  std::string transport = "websockets";                // websockets | sse | longpolling (signalr only)
  std::string label;                                   // name of the server in the output
  int connections = 100;
  int window = 1;           // outstanding invocations per connection (echo) / per sender (broadcast, groups)
  long messages = 0;        // broadcast: total; groups: per group; echo: per connection (0 = until duration)
  int payload = 64;         // bytes
  double rate = 0;          // sends per second (broadcast, groups total, churn cycles); 0 = window-paced
  bool window_given = false;  // with --rate, the window is --window when given, else rate_window
  // Outstanding sends per sender under --rate: bounded so a slow server is not pushed past its own limit on
  // queued invocations (actorhub closes a connection with more than 1,024), which would end the run.
  static constexpr int rate_window = 512;
  int send_window() const { return rate > 0 && !window_given ? rate_window : window; }
  double duration = 10;     // seconds (echo, idle, churn; broadcast/groups end when all is delivered)
  int group_size = 10;
  bool group_others = false;  // groups: SendToOthersInGroup (the sender gets no copy of its own message)
  int warmup = 0;           // broadcast: unmeasured SendToAll messages before the measured phase (JIT, caches)
  int procs = 0;            // worker processes; 0 = auto (<= 15,000 connections each)
  int src_addrs = 0;        // source addresses 127.0.x.y to spread over; 0 = auto
  std::vector<int> pids;    // server processes to measure
  double timeout = 180;     // hard cap for the whole run, seconds
  double settle = 1;        // seconds between "all connected" and the measured phase
  double drain = 10;        // broadcast/groups: wait at most this long for deliveries after the last ack
  double ping_interval = 15;
  int connect_concurrency = 256;  // connection setups in flight per process
  bool negotiate = true;
  bool progress = true;
  bool quiet = false;

  target make_target() const;  // the first URL; validates it: loopback only
  // Connection i goes to URL i mod (number of URLs); the broadcast sender (index C) always to the first.
  std::vector<target> make_targets() const;
  int url_count() const { return 1 + int(more_urls.size()); }
  target target_of(const std::string& url) const;
  wire dialect() const;
  transport_kind transport_type() const;
  // Sockets one connection holds: SSE and long polling add a second one for their POSTs.
  int sockets_per_connection() const { return transport == "websockets" ? 1 : 2; }
};

// Parses argv; throws std::invalid_argument with a one-line message. Returns false for --help.
bool parse_options(int argc, char** argv, options& out);
const char* usage();

}  // namespace bench
