// Strict flag parsing: every problem is one line of text, never an exception. Each flag is one entry of a
// table: its name, whether it may repeat, and how its value lands in node_options.
#include "flags.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include <actorhub/host_port.hpp>

namespace conformance {

namespace {

using actorhub::node_options;

std::optional<std::uint64_t> parse_unsigned(const std::string& s, std::uint64_t max) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

// Positive seconds, fractions allowed ("0.5").
std::optional<std::chrono::milliseconds> parse_seconds(const std::string& s) {
  if (s.empty() || s.size() > 16) return std::nullopt;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v) || v <= 0 || v > 86400) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(v * 1000)));
}

// A flag's effect: returns the error text for a bad value, "" when it was taken.
using apply_fn = std::function<std::string(const std::string& value, node_options& o)>;

std::string bad(const std::string& flag, const std::string& v, const char* expected);

// Positive seconds into the option `field` names.
template <class Field>
apply_fn seconds_flag(std::string flag, Field field) {
  return [flag, field](const std::string& v, node_options& o) -> std::string {
    auto d = parse_seconds(v);
    if (!d) return bad(flag, v, "positive seconds");
    field(o) = *d;
    return {};
  };
}

// A positive count or byte size into the option `field` names.
template <class Field>
apply_fn size_flag(std::string flag, Field field) {
  return [flag, field](const std::string& v, node_options& o) -> std::string {
    auto n = parse_unsigned(v, std::uint64_t{1} << 40);
    if (!n || *n == 0) return bad(flag, v, "a positive number");
    field(o) = static_cast<std::size_t>(*n);
    return {};
  };
}

struct flag_spec {
  bool repeatable = false;
  apply_fn apply;
};

std::string bad(const std::string& flag, const std::string& v, const char* expected) {
  return "malformed " + flag + " value '" + v + "' (expected " + expected + ")";
}

const std::map<std::string, flag_spec>& table() {
  static const std::map<std::string, flag_spec> t{
      {"--http", {false, [](const std::string& v, node_options& o) -> std::string {
                    auto a = actorhub::parse_host_port(v);
                    if (!a) return bad("--http", v, "HOST:PORT");
                    o.http.address = a->host;
                    o.http.port = a->port;
                    return {};
                  }}},
      {"--metrics", {false, [](const std::string& v, node_options& o) -> std::string {
                       auto a = actorhub::parse_host_port(v);
                       if (!a) return bad("--metrics", v, "HOST:PORT");
                       o.metrics_address = a->text();
                       return {};
                     }}},
      {"--name", {false, [](const std::string& v, node_options& o) -> std::string {
                    if (v.empty()) return "--name must not be empty";
                    o.name = v;
                    return {};
                  }}},
      {"--access-key", {false, [](const std::string& v, node_options& o) -> std::string {
                          o.http.access_key = v;
                          return {};
                        }}},
      {"--keep-alive-interval", {false, [](const std::string& v, node_options& o) -> std::string {
                                   auto d = parse_seconds(v);
                                   if (!d) return bad("--keep-alive-interval", v, "positive seconds");
                                   o.http.keep_alive_interval = *d;
                                   return {};
                                 }}},
      {"--client-timeout", {false, [](const std::string& v, node_options& o) -> std::string {
                              auto d = parse_seconds(v);
                              if (!d) return bad("--client-timeout", v, "positive seconds");
                              o.http.client_timeout = *d;
                              return {};
                            }}},
      {"--max-message-size", {false, [](const std::string& v, node_options& o) -> std::string {
                                auto n = parse_unsigned(v, std::uint64_t{1} << 30);
                                if (!n || *n == 0) return bad("--max-message-size", v, "bytes, 1 .. 2^30");
                                o.http.max_message_size = static_cast<std::size_t>(*n);
                                return {};
                              }}},
      {"--io-threads", {false, [](const std::string& v, node_options& o) -> std::string {
                          auto n = parse_unsigned(v, 64);
                          if (!n || *n == 0) return bad("--io-threads", v, "1 .. 64");
                          o.http.io_threads = static_cast<unsigned>(*n);
                          return {};
                        }}},
      // -- hardening (docs/operations.md) --
      {"--send-timeout", {false, seconds_flag("--send-timeout", [](node_options& o) -> auto& { return o.http.send_timeout; })}},
      {"--negotiate-timeout",
       {false, seconds_flag("--negotiate-timeout", [](node_options& o) -> auto& { return o.http.negotiate_timeout; })}},
      {"--max-outbound-bytes",
       {false, size_flag("--max-outbound-bytes", [](node_options& o) -> auto& { return o.http.max_outbound_bytes; })}},
      {"--max-buffer", {false, size_flag("--max-buffer", [](node_options& o) -> auto& { return o.http.max_buffer; })}},
      {"--max-connections",
       {false, size_flag("--max-connections", [](node_options& o) -> auto& { return o.http.max_connections; })}},
      {"--max-header-bytes",
       {false, size_flag("--max-header-bytes", [](node_options& o) -> auto& { return o.http.max_header_bytes; })}},
      {"--max-header-count",
       {false, size_flag("--max-header-count", [](node_options& o) -> auto& { return o.http.max_header_count; })}},
      {"--max-request-body",
       {false, size_flag("--max-request-body", [](node_options& o) -> auto& { return o.http.max_request_body; })}},
      {"--max-pending-negotiations",
       {false, size_flag("--max-pending-negotiations",
                         [](node_options& o) -> auto& { return o.http.max_pending_connections; })}},
      {"--tls-cert", {false, [](const std::string& v, node_options& o) -> std::string {
                        if (v.empty()) return "--tls-cert must name a file";
                        o.http.tls_cert_file = v;
                        return {};
                      }}},
      {"--tls-key", {false, [](const std::string& v, node_options& o) -> std::string {
                       if (v.empty()) return "--tls-key must name a file";
                       o.http.tls_key_file = v;
                       return {};
                     }}},
      {"--cors-origin", {true, [](const std::string& v, node_options& o) -> std::string {
                           auto scheme = v.find("://");
                           bool ok = v == "*" || v == "null" ||
                                     ((v.rfind("http://", 0) == 0 || v.rfind("https://", 0) == 0) &&
                                      v.size() > scheme + 3 && v.find_first_of(" \t\r\n/", scheme + 3) == std::string::npos);
                           if (!ok) return bad("--cors-origin", v, "scheme://host[:port], or *");
                           o.http.cors_origins.push_back(v);
                           return {};
                         }}},
      // -- cluster (docs/cluster.md) --
      {"--node", {false, [](const std::string& v, node_options& o) -> std::string {
                    auto n = parse_unsigned(v, 65535);
                    if (!n) return bad("--node", v, "a port, 0 .. 65535");
                    o.cluster.port = static_cast<std::uint16_t>(*n);
                    return {};
                  }}},
      {"--node-bind", {false, [](const std::string& v, node_options& o) -> std::string {
                         if (!actorhub::parse_host_port(v + ":0")) return bad("--node-bind", v, "an address");
                         o.cluster.bind = v;
                         return {};
                       }}},
      {"--advertise", {false, [](const std::string& v, node_options& o) -> std::string {
                         if (!actorhub::parse_host_port(v)) return bad("--advertise", v, "HOST:PORT");
                         o.cluster.advertise = v;
                         return {};
                       }}},
      {"--join", {true, [](const std::string& v, node_options& o) -> std::string {
                    if (!actorhub::parse_host_port(v)) return bad("--join", v, "HOST:PORT");
                    o.cluster.join.push_back(v);
                    return {};
                  }}},
      {"--cluster-key", {false, [](const std::string& v, node_options& o) -> std::string {
                           if (v.empty()) return "--cluster-key must not be empty";
                           o.cluster.key = v;
                           return {};
                         }}},
      {"--node-tls-cert", {false, [](const std::string& v, node_options& o) -> std::string {
                             o.cluster.tls_cert = v;
                             return {};
                           }}},
      {"--node-tls-key", {false, [](const std::string& v, node_options& o) -> std::string {
                            o.cluster.tls_key = v;
                            return {};
                          }}},
      // -- hosted mode (docs/hosted.md) --
      {"--service", {true, [](const std::string& v, node_options& o) -> std::string {
                       if (!actorhub::parse_host_port(v)) return bad("--service", v, "HOST:PORT");
                       (o.service.gateway.empty() ? o.service.gateway : o.service.more_gateways.emplace_back()) = v;
                       return {};
                     }}},
      {"--service-links", {false, [](const std::string& v, node_options& o) -> std::string {
                             auto n = parse_unsigned(v, 16);
                             if (!n || *n == 0) return bad("--service-links", v, "1 .. 16");
                             o.service.links = static_cast<std::size_t>(*n);
                             return {};
                           }}},
      {"--service-tls-cert", {false, [](const std::string& v, node_options& o) -> std::string {
                                if (v.empty()) return "--service-tls-cert must name a file";
                                o.service.tls_cert = v;
                                return {};
                              }}},
      {"--service-tls-key", {false, [](const std::string& v, node_options& o) -> std::string {
                               if (v.empty()) return "--service-tls-key must name a file";
                               o.service.tls_key = v;
                               return {};
                             }}},
      {"--service-tls-ca", {false, [](const std::string& v, node_options& o) -> std::string {
                              if (v.empty()) return "--service-tls-ca must name a file";
                              o.service.tls_ca = v;
                              return {};
                            }}},
  };
  return t;
}

}  // namespace

const char* usage() {
  return "usage: conformance-hub --http HOST:PORT [--name NAME] [--access-key KEY] [--metrics HOST:PORT]\n"
         "                       [--keep-alive-interval SEC] [--client-timeout SEC] [--max-message-size BYTES]\n"
         "                       [--io-threads N]\n"
         "  hardening:           [--send-timeout SEC] [--max-outbound-bytes BYTES] [--max-buffer BYTES]\n"
         "                       [--max-connections N] [--max-header-bytes BYTES] [--max-header-count N]\n"
         "                       [--max-request-body BYTES] [--max-pending-negotiations N] [--negotiate-timeout SEC]\n"
         "                       [--tls-cert FILE --tls-key FILE] [--cors-origin ORIGIN]...\n"
         "  cluster:             [--node PORT] [--node-bind ADDRESS] [--advertise HOST:PORT] [--join HOST:PORT]...\n"
         "                       [--cluster-key KEY] [--node-tls-cert FILE --node-tls-key FILE]\n"
         "  hosted mode:         [--service HOST:PORT]... --access-key KEY  (app server behind actorhub-gateway; more\n"
         "                       --service values: other gateways of its cluster, tried in turn)\n"
         "                       [--service-links N]  (links to the gateway, 1 .. 16; default 1)\n"
         "                       [--service-tls-cert FILE --service-tls-key FILE [--service-tls-ca FILE]]\n";
}

bool parse_flags(const std::vector<std::string>& args, flags& out, std::string& error) {
  bool have_http = false;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inline_value;
    if (auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    if (flag == "-h" || flag == "--help") {
      out.help = true;
      continue;
    }
    auto spec = table().find(flag);
    if (spec == table().end()) {
      error = "unknown flag '" + flag + "' (see --help)";
      return false;
    }
    std::string v;
    if (inline_value) {
      v = *inline_value;
    } else if (i + 1 < args.size()) {
      v = args[++i];
    } else {
      error = "missing value for " + flag;
      return false;
    }
    if (!spec->second.repeatable && !seen.insert(flag).second) {
      error = flag + " given twice";
      return false;
    }
    if (auto e = spec->second.apply(v, out.node); !e.empty()) {
      error = e;
      return false;
    }
    have_http = have_http || flag == "--http";
  }
  auto& c = out.node.cluster;
  if (!out.help && !have_http) {
    error = "missing required flag --http HOST:PORT";
    return false;
  }
  if (!c.enabled() && (!c.join.empty() || !c.key.empty() || !c.advertise.empty() || c.bind != "127.0.0.1")) {
    error = "--join, --node-bind, --advertise and --cluster-key need --node PORT";
    return false;
  }
  if (out.node.http.tls_cert_file.empty() != out.node.http.tls_key_file.empty() && !out.help) {
    error = "--tls-cert and --tls-key go together";
    return false;
  }
  if (out.node.service.enabled() && out.node.http.access_key.empty()) {
    error = "--service needs --access-key (it proves this app server to the gateway)";
    return false;
  }
  if (out.node.service.enabled() && c.enabled()) {
    error = "--service and --node exclude each other (an app server is not a cluster node)";
    return false;
  }
  auto& sv = out.node.service;
  if (!sv.enabled() && (!sv.tls_cert.empty() || !sv.tls_key.empty() || !sv.tls_ca.empty())) {
    error = "--service-tls-cert, --service-tls-key and --service-tls-ca need --service HOST:PORT";
    return false;
  }
  if (sv.tls_cert.empty() != sv.tls_key.empty() || (!sv.tls_ca.empty() && sv.tls_cert.empty())) {
    error = "--service-tls-cert and --service-tls-key go together (--service-tls-ca needs both)";
    return false;
  }
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    error = "--node-tls-cert and --node-tls-key go together";
    return false;
  }
  if (c.enabled() && !actorhub::is_loopback_host(c.bind) && c.key.empty()) {
    error = "a non-loopback --node-bind needs --cluster-key (nodes prove it to each other)";
    return false;
  }
  return true;
}

}  // namespace conformance
