// Strict flag parsing: every problem is one line of text, never an exception.
#include "flags.hpp"

#include <cctype>
#include <cstdlib>
#include <charconv>
#include <cmath>
#include <optional>

namespace conformance {

namespace {

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

}  // namespace

const char* usage() {
  return "usage: conformance-hub --http HOST:PORT [--name NAME] [--access-key KEY] [--metrics HOST:PORT]\n"
         "                       [--keep-alive-interval SEC] [--client-timeout SEC] [--max-message-size BYTES]\n"
         "                       [--send-timeout SEC] [--max-outbound-bytes BYTES] [--max-buffer BYTES]\n"
         "                       [--max-connections N] [--max-header-bytes BYTES] [--max-header-count N]\n"
         "                       [--max-request-body BYTES] [--max-pending-negotiations N] [--negotiate-timeout SEC]\n"
         "                       [--tls-cert FILE --tls-key FILE] [--cors-origin ORIGIN]...\n";
}

bool parse_flags(const std::vector<std::string>& args, flags& out, std::string& error) {
  bool have_http = false;
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
    static const char* known[] = {"--http", "--name", "--access-key", "--metrics", "--keep-alive-interval",
                                  "--client-timeout", "--max-message-size", "--node", "--join", "--service",
                                  "--send-timeout", "--max-outbound-bytes", "--max-buffer", "--max-connections",
                                  "--max-header-bytes", "--max-header-count", "--max-request-body",
                                  "--max-pending-negotiations", "--negotiate-timeout", "--tls-cert", "--tls-key", "--cors-origin"};
    bool is_known = false;
    for (auto* k : known) is_known = is_known || flag == k;
    if (!is_known) {
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
    if (flag == "--node" || flag == "--join" || flag == "--service") {
      error = flag + " is not available yet: this build serves a single node";
      return false;
    }
    if (flag == "--http") {
      auto a = actorhub::parse_host_port(v);
      if (!a) {
        error = "malformed --http value '" + v + "' (expected HOST:PORT)";
        return false;
      }
      out.http = *a;
      have_http = true;
    } else if (flag == "--metrics") {
      auto a = actorhub::parse_host_port(v);
      if (!a) {
        error = "malformed --metrics value '" + v + "' (expected HOST:PORT)";
        return false;
      }
      out.metrics = a->text();
    } else if (flag == "--name") {
      if (v.empty()) {
        error = "--name must not be empty";
        return false;
      }
      out.name = v;
    } else if (flag == "--access-key") {
      out.access_key = v;
    } else if (flag == "--cors-origin") {
      bool ok = v == "*" || v.rfind("http://", 0) == 0 || v.rfind("https://", 0) == 0 || v == "null";
      if (!ok || v.find_first_of(" \t\r\n/", v.find("//") == std::string::npos ? 0 : v.find("//") + 2) != std::string::npos) {
        error = "malformed --cors-origin value '" + v + "' (expected scheme://host[:port], or *)";
        return false;
      }
      out.cors_origins.push_back(v);
    } else if (flag == "--tls-cert" || flag == "--tls-key") {
      if (v.empty()) {
        error = flag + " must name a file";
        return false;
      }
      (flag == "--tls-cert" ? out.tls_cert : out.tls_key) = v;
    } else if (flag == "--send-timeout" || flag == "--negotiate-timeout") {
      auto d = parse_seconds(v);
      if (!d) {
        error = "malformed " + flag + " value '" + v + "' (expected positive seconds)";
        return false;
      }
      (flag == "--send-timeout" ? out.send_timeout : out.negotiate_timeout) = *d;
    } else if (flag == "--max-outbound-bytes" || flag == "--max-buffer" || flag == "--max-connections" ||
               flag == "--max-header-bytes" || flag == "--max-header-count" || flag == "--max-request-body" ||
               flag == "--max-pending-negotiations") {
      auto n = parse_unsigned(v, std::uint64_t{1} << 40);
      if (!n || *n == 0) {
        error = "malformed " + flag + " value '" + v + "' (expected a positive number)";
        return false;
      }
      auto size = static_cast<std::size_t>(*n);
      if (flag == "--max-outbound-bytes") out.max_outbound_bytes = size;
      if (flag == "--max-buffer") out.max_buffer = size;
      if (flag == "--max-connections") out.max_connections = size;
      if (flag == "--max-header-bytes") out.max_header_bytes = size;
      if (flag == "--max-header-count") out.max_header_count = size;
      if (flag == "--max-request-body") out.max_request_body = size;
      if (flag == "--max-pending-negotiations") out.max_pending_negotiations = size;
    } else if (flag == "--keep-alive-interval" || flag == "--client-timeout") {
      auto d = parse_seconds(v);
      if (!d) {
        error = "malformed " + flag + " value '" + v + "' (expected positive seconds)";
        return false;
      }
      (flag == "--keep-alive-interval" ? out.keep_alive_interval : out.client_timeout) = *d;
    } else if (flag == "--max-message-size") {
      auto n = parse_unsigned(v, std::uint64_t{1} << 30);
      if (!n || *n == 0) {
        error = "malformed --max-message-size value '" + v + "' (expected bytes, 1 .. 2^30)";
        return false;
      }
      out.max_message_size = static_cast<std::size_t>(*n);
    }
  }
  if (out.tls_cert.empty() != out.tls_key.empty() && !out.help) {
    error = "--tls-cert and --tls-key go together";
    return false;
  }
  if (!have_http && !out.help) {
    error = "missing required flag --http HOST:PORT";
    return false;
  }
  return true;
}

}  // namespace conformance
