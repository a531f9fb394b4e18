// actorhub-gateway: the hosted-mode front end (CONTRACT.md §7, docs/hosted.md). It holds every client connection;
// app servers (e.g. `conformance-hub --service HOST:PORT --access-key KEY`) link to it and run the hubs.
//
//   actorhub-gateway --http 127.0.0.1:8080 --server-port 8090 --access-key KEY [--metrics 127.0.0.1:9100]
//                    [--server-bind ADDRESS] [--public-url http://host:port] [--io-threads N]
//                    [--tls-cert FILE --tls-key FILE]   (HTTPS/WSS for clients and the REST API)
//                    [--server-tls-cert FILE --server-tls-key FILE [--server-tls-ca FILE]]
//                    [--node PORT [--node-bind ADDRESS] [--join HOST:PORT]... [--cluster-key KEY]]
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <actorhub/host_port.hpp>
#include <actorhub/node.hpp>

namespace {

const char* usage() {
  return "usage: actorhub-gateway --http HOST:PORT --server-port PORT --access-key KEY [--metrics HOST:PORT]\n"
         "                        [--server-bind ADDRESS] [--public-url http://HOST:PORT] [--io-threads N]\n"
         "                        [--name NAME] [--tls-cert FILE --tls-key FILE]\n"
         "                        [--server-tls-cert FILE --server-tls-key FILE [--server-tls-ca FILE]]\n"
         "  several gateways:      [--node PORT] [--node-bind ADDRESS] [--advertise HOST:PORT] [--join HOST:PORT]...\n"
         "                        [--cluster-key KEY]  (gateway links use the --server-tls-* files too)\n";
}

bool parse_port(const std::string& v, std::uint16_t& out) {
  if (v.empty() || v.size() > 5) return false;
  unsigned n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<unsigned>(c - '0');
  }
  if (n > 65535) return false;
  out = static_cast<std::uint16_t>(n);
  return true;
}

// Returns "" or the one line of error.
std::string parse(const std::vector<std::string>& args, actorhub::node_options& o, bool& help) {
  static const std::set<std::string> known{"--http",        "--server-port", "--access-key", "--metrics",
                                           "--server-bind", "--public-url",  "--io-threads", "--name",
                                           "--server-tls-cert", "--server-tls-key", "--server-tls-ca",
                                           "--node",        "--node-bind",   "--join",       "--cluster-key",
                                           "--advertise",   "--tls-cert",    "--tls-key"};
  std::set<std::string> seen;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i], v;
    bool inline_value = false;
    if (auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      v = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      inline_value = true;
    }
    if (flag == "-h" || flag == "--help") {
      help = true;
      continue;
    }
    if (!known.count(flag)) return "unknown flag '" + flag + "' (see --help)";
    if (!inline_value) {
      if (i + 1 >= args.size()) return "missing value for " + flag;
      v = args[++i];
    }
    if (!seen.insert(flag).second && flag != "--join") return flag + " given twice";
    if (flag == "--http") {
      auto a = actorhub::parse_host_port(v);
      if (!a) return "malformed --http value '" + v + "' (expected HOST:PORT)";
      o.http.address = a->host;
      o.http.port = a->port;
    } else if (flag == "--server-port") {
      std::uint16_t p;
      if (!parse_port(v, p)) return "malformed --server-port value '" + v + "' (expected a port, 0 .. 65535)";
      o.gateway.server_port = p;
    } else if (flag == "--access-key") {
      if (v.empty()) return "--access-key must not be empty";
      o.http.access_key = v;
    } else if (flag == "--metrics") {
      auto a = actorhub::parse_host_port(v);
      if (!a) return "malformed --metrics value '" + v + "' (expected HOST:PORT)";
      o.metrics_address = a->text();
    } else if (flag == "--server-bind") {
      if (!actorhub::parse_host_port(v + ":0")) return "malformed --server-bind value '" + v + "' (expected an address)";
      o.gateway.server_bind = v;
    } else if (flag == "--public-url") {
      if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0)
        return "malformed --public-url value '" + v + "' (expected http://HOST:PORT)";
      o.gateway.public_url = v;
    } else if (flag == "--io-threads") {
      std::uint16_t n;
      if (!parse_port(v, n) || n == 0 || n > 64) return "malformed --io-threads value '" + v + "' (expected 1 .. 64)";
      o.http.io_threads = n;
    } else if (flag == "--name") {
      if (v.empty()) return "--name must not be empty";
      o.name = v;
    } else if (flag == "--node") {
      std::uint16_t p;
      if (!parse_port(v, p)) return "malformed --node value '" + v + "' (expected a port, 0 .. 65535)";
      o.cluster.port = p;
    } else if (flag == "--node-bind") {
      if (!actorhub::parse_host_port(v + ":0")) return "malformed --node-bind value '" + v + "' (expected an address)";
      o.cluster.bind = v;
    } else if (flag == "--join") {
      if (!actorhub::parse_host_port(v)) return "malformed --join value '" + v + "' (expected HOST:PORT)";
      o.cluster.join.push_back(v);
    } else if (flag == "--advertise") {
      if (!actorhub::parse_host_port(v)) return "malformed --advertise value '" + v + "' (expected HOST:PORT)";
      o.cluster.advertise = v;
    } else if (flag == "--cluster-key") {
      if (v.empty()) return "--cluster-key must not be empty";
      o.cluster.key = v;
    } else if (flag == "--tls-cert" || flag == "--tls-key") {
      if (v.empty()) return flag + " must name a file";
      (flag == "--tls-cert" ? o.http.tls_cert_file : o.http.tls_key_file) = v;
    } else if (flag == "--server-tls-cert" || flag == "--server-tls-key" || flag == "--server-tls-ca") {
      if (v.empty()) return flag + " must name a file";
      (flag == "--server-tls-cert" ? o.gateway.tls_cert : flag == "--server-tls-key" ? o.gateway.tls_key
                                                                                     : o.gateway.tls_ca) = v;
    }
  }
  if (help) return {};
  if (!seen.count("--http")) return "missing required flag --http HOST:PORT";
  if (!seen.count("--server-port")) return "missing required flag --server-port PORT";
  if (!seen.count("--access-key")) return "missing required flag --access-key KEY";
  if (!seen.count("--node") && (seen.count("--node-bind") || seen.count("--join") || seen.count("--cluster-key") ||
                               seen.count("--advertise")))
    return "--join, --node-bind, --advertise and --cluster-key need --node PORT";
  if (seen.count("--node") && !actorhub::is_loopback_host(o.cluster.bind) && o.cluster.key.empty())
    return "a non-loopback --node-bind needs --cluster-key (gateways prove it to each other)";
  if (seen.count("--tls-cert") != seen.count("--tls-key")) return "--tls-cert and --tls-key go together";
  if (seen.count("--server-tls-cert") != seen.count("--server-tls-key") ||
      (seen.count("--server-tls-ca") && !seen.count("--server-tls-cert")))
    return "--server-tls-cert and --server-tls-key go together (--server-tls-ca needs both)";
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  actorhub::node_options o;
  bool help = false;
  if (auto e = parse(args, o, help); !e.empty()) {
    std::cerr << "actorhub-gateway: " << e << std::endl;
    return 2;
  }
  if (help) {
    std::cout << usage();
    return 0;
  }
  try {
    actorhub::node gateway(o);
    std::string what;
    if (auto ec = gateway.start(&what)) {
      std::cerr << "actorhub-gateway: cannot listen on " << what << ": " << ec.message() << std::endl;
      return 1;
    }
    std::cout << "actorhub-gateway serving clients at http://" << o.http.address << ":" << gateway.http().port()
              << ", app servers at " << (o.gateway.tls_cert.empty() ? "" : "tls://") << o.gateway.server_bind << ":" << *o.gateway.server_port << std::endl;
    return gateway.run();
  } catch (const std::exception& e) {
    std::cerr << "actorhub-gateway: " << e.what() << std::endl;
    return 1;
  }
}
