#include "options.hpp"

#include <arpa/inet.h>

#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace bench {

namespace {

int to_int(const std::string& flag, const std::string& v, long lo, long hi) {
  char* end = nullptr;
  long x = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end || x < lo || x > hi)
    throw std::invalid_argument(flag + ": expected an integer in [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "], got '" + v + "'");
  return int(x);
}

double to_double(const std::string& flag, const std::string& v, double lo, double hi) {
  char* end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end || !std::isfinite(x) || x < lo || x > hi)
    throw std::invalid_argument(flag + ": expected a number in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                                "], got '" + v + "'");
  return x;
}

}  // namespace

const char* usage() {
  return R"(actorhub-bench SCENARIO [options]      SignalR load generator (loopback only)

scenarios:
  echo       C connections, each keeps W Echo(payload) invocations outstanding; round trips/s and latency
  broadcast  C receivers, one extra sender connection invokes SendToAll(payload) M times (at --rate, or
             window-paced by acknowledgements); deliveries, loss, duplicates, send->receive latency
  groups     C connections in groups of --group-size; the first member of each group invokes
             SendToGroup(g, payload) M times; deliveries, loss, duplicates, latency
  idle       hold C connections with keep-alive pings for --duration; server RSS per connection
  churn      C concurrent slots that connect (negotiate, transport, handshake), Echo once and close;
             cycles/s and cycle time

options:
  --url URL              hub URL (default http://127.0.0.1:5000/testhub); peers: http://127.0.0.1:PORT/.
                         Repeatable (cluster nodes): connection i goes to URL i mod N (groups: member
                         j of a group of size N sits on node j); the broadcast sender on the first
  --peer signalr|ws|uws|socketio   wire dialect (default signalr; the others talk to bench/peers servers,
                         uws the same wire as ws)
  --protocol json|messagepack  SignalR hub protocol (default json)
  --transport websockets|sse|longpolling   SignalR transport (default websockets). SSE and long polling
                         receive on the negotiate socket (event stream / polls) and send as POSTs on a
                         second socket, one in flight per connection; MessagePack not over SSE
  --no-negotiate         SignalR: connect the WebSocket without negotiate (skipNegotiation)
  -c, --connections N    connections / receivers / churn slots (default 100, max 100000)
  -w, --window W         outstanding invocations per connection or sender (default 1; with --rate 512);
                         broadcast with --rate 0: the sender keeps exactly W SendToAll in flight
  -m, --messages M       broadcast: total sends; groups: sends per group; echo: per connection (0 = by time)
  --payload BYTES        payload size (default 64, 24..16384)
  --rate R               broadcast/groups: sends per second in total (at most 512 unacknowledged per sender
                         unless --window is given); churn: cycles per second (0 = unpaced)
  -d, --duration S       measured time for echo/idle/churn (default 10, max 600)
  --group-size S         members per group (default 10)
  --group-others         groups: SendToOthersInGroup (the sender gets no copy); with --group-size 2 and two
                         --url, every message crosses from one node to the other
  --warmup N             broadcast: N unmeasured messages first, all delivered before measuring (default 0)
  --procs N              client worker processes (default: enough for <= 15,000 sockets each; SSE and long
                         polling hold two per connection)
  --src-addrs N          spread source addresses over N addresses in 127.0.0.0/8 (default: one per
                         5,000 sockets, 16 for churn)
  --pid PID[,PID...]     server process(es): CPU time per delivered message and RSS per connection
  --label NAME           server name in the output (default from --peer)
  --timeout S            hard limit for the whole run (default 180, max 1800)
  --settle S             pause between setup and measurement (default 1)
  --drain S              broadcast/groups: wait for late deliveries (default 10)
  --ping-interval S      client keep-alive Ping when a connection sent nothing for S (default 15)
  --connect-concurrency N   connection setups in flight per process (default 256)
  --no-progress          no live progress line on stderr
  -q, --quiet            only the final JSON line on stdout

exit status: 0 clean run; 1 measured, but with loss, failed or dropped connections, or a timeout; 2 bad usage
)";
}

bool parse_options(int argc, char** argv, options& o) {
  std::vector<std::string> args(argv + 1, argv + argc);
  bool url_given = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    std::string v;
    auto eq = a.find('=');
    bool has_inline = a.rfind("--", 0) == 0 && eq != std::string::npos;
    if (has_inline) {
      v = a.substr(eq + 1);
      a = a.substr(0, eq);
    }
    auto value = [&]() -> std::string {
      if (has_inline) return v;
      if (i + 1 >= args.size()) throw std::invalid_argument(a + ": missing value");
      return args[++i];
    };
    if (a == "-h" || a == "--help") return false;
    if (a.empty()) continue;
    if (a[0] != '-') {
      if (!o.scenario.empty()) throw std::invalid_argument("unexpected argument '" + a + "'");
      o.scenario = a;
    } else if (a == "--url") {
      if (url_given) o.more_urls.push_back(value());
      else o.url = value();
      url_given = true;
    }
    else if (a == "--peer") o.peer = value();
    else if (a == "--protocol") o.protocol = value();
    else if (a == "--transport") o.transport = value();
    else if (a == "--label") o.label = value();
    else if (a == "--no-negotiate") o.negotiate = false;
    else if (a == "-c" || a == "--connections") o.connections = to_int(a, value(), 1, 100000);
    else if (a == "-w" || a == "--window") {
      o.window = to_int(a, value(), 1, 10000);
      o.window_given = true;
    }
    else if (a == "-m" || a == "--messages") o.messages = to_int(a, value(), 0, 100000000);
    else if (a == "--payload") o.payload = to_int(a, value(), 24, 16384);
    else if (a == "--rate") o.rate = to_double(a, value(), 0, 1e7);
    else if (a == "-d" || a == "--duration") o.duration = to_double(a, value(), 0.1, 600);
    else if (a == "--group-size") o.group_size = to_int(a, value(), 1, 60000);
    else if (a == "--group-others") o.group_others = true;
    else if (a == "--warmup") o.warmup = to_int(a, value(), 0, 10000);
    else if (a == "--procs") o.procs = to_int(a, value(), 1, 16);
    else if (a == "--src-addrs") o.src_addrs = to_int(a, value(), 1, 60000);
    else if (a == "--timeout") o.timeout = to_double(a, value(), 1, 1800);
    else if (a == "--settle") o.settle = to_double(a, value(), 0, 60);
    else if (a == "--drain") o.drain = to_double(a, value(), 0, 120);
    else if (a == "--ping-interval") o.ping_interval = to_double(a, value(), 0.5, 300);
    else if (a == "--connect-concurrency") o.connect_concurrency = to_int(a, value(), 1, 10000);
    else if (a == "--no-progress") o.progress = false;
    else if (a == "-q" || a == "--quiet") o.quiet = true;
    else if (a == "--pid") {
      std::string list = value();
      std::size_t start = 0;
      while (start <= list.size()) {
        auto comma = list.find(',', start);
        std::string one = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        o.pids.push_back(to_int("--pid", one, 1, 1 << 30));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else {
      throw std::invalid_argument("unknown option '" + a + "'");
    }
  }
  if (o.scenario.empty()) throw std::invalid_argument("missing scenario (echo|broadcast|groups|idle|churn)");
  if (o.scenario != "echo" && o.scenario != "broadcast" && o.scenario != "groups" && o.scenario != "idle" &&
      o.scenario != "churn")
    throw std::invalid_argument("unknown scenario '" + o.scenario + "'");
  if (o.peer != "signalr" && o.peer != "ws" && o.peer != "uws" && o.peer != "socketio")
    throw std::invalid_argument("--peer: signalr, ws, uws or socketio");
  if (o.protocol != "json" && o.protocol != "messagepack")
    throw std::invalid_argument("--protocol: json or messagepack");
  if (o.peer != "signalr" && o.protocol != "json")
    throw std::invalid_argument("--protocol messagepack needs --peer signalr");
  if (o.transport == "ws") o.transport = "websockets";
  if (o.transport == "lp" || o.transport == "long-polling") o.transport = "longpolling";
  if (o.transport != "websockets" && o.transport != "sse" && o.transport != "longpolling")
    throw std::invalid_argument("--transport: websockets, sse or longpolling");
  if (o.transport != "websockets" && o.peer != "signalr")
    throw std::invalid_argument("--transport " + o.transport + " needs --peer signalr");
  if (o.transport != "websockets" && !o.negotiate)
    throw std::invalid_argument("--no-negotiate: only with WebSockets (SSE and long polling need a connection id)");
  if (o.transport == "sse" && o.protocol != "json")
    throw std::invalid_argument("--transport sse: JSON only (SignalR never offers MessagePack over SSE)");
  if (o.scenario == "broadcast" && o.messages == 0) o.messages = 100;
  if (o.scenario == "groups" && o.messages == 0) o.messages = 100;
  if ((o.scenario == "broadcast" || o.scenario == "groups") &&
      double(o.messages) * double(o.connections) > 1e9)
    throw std::invalid_argument("--messages x --connections too large to track (max 1e9 deliveries)");
  if (o.scenario == "groups" && o.group_size > o.connections)
    throw std::invalid_argument("--group-size larger than --connections");
  if (o.label.empty()) o.label = o.peer == "signalr" ? "actorhub" : o.peer;
  if (o.scenario == "groups" && o.group_others && o.group_size < 2)
    throw std::invalid_argument("--group-others needs --group-size 2 or more");
  o.make_targets();  // validate the URLs now
  return true;
}

transport_kind options::transport_type() const {
  if (transport == "sse") return transport_kind::sse;
  if (transport == "longpolling") return transport_kind::long_polling;
  return transport_kind::websockets;
}

wire options::dialect() const {
  if (peer == "ws" || peer == "uws") return wire::ws_json;
  if (peer == "socketio") return wire::socketio;
  return protocol == "messagepack" ? wire::signalr_msgpack : wire::signalr_json;
}

target options::make_target() const { return target_of(url); }

std::vector<target> options::make_targets() const {
  std::vector<target> all{target_of(url)};
  for (const auto& u : more_urls) all.push_back(target_of(u));
  return all;
}

target options::target_of(const std::string& u) const {
  target t;
  std::string rest = u;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  else if (rest.rfind("ws://", 0) == 0) rest = rest.substr(5);
  else throw std::invalid_argument("--url: http://HOST:PORT/PATH expected");
  auto slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("--url: port required");
  std::string host = hostport.substr(0, colon);
  int port = to_int("--url port", hostport.substr(colon + 1), 1, 65535);
  if (host == "localhost") host = "127.0.0.1";
  in_addr a{};
  if (inet_pton(AF_INET, host.c_str(), &a) != 1 || (ntohl(a.s_addr) >> 24) != 127)
    throw std::invalid_argument("--url: loopback (127.0.0.0/8) targets only");
  t.addr.sin_family = AF_INET;
  t.addr.sin_port = htons(uint16_t(port));
  t.addr.sin_addr = a;
  t.host_header = hostport;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  t.path = path;
  t.dialect = dialect();
  t.transport = transport_type();
  t.negotiate = negotiate;
  return t;
}

}  // namespace bench
