// Command line of conformance-hub (CONTRACT.md §1).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <actorhub/host_port.hpp>

namespace conformance {

struct flags {
  actorhub::host_port http;
  std::string name;  // empty: pick a unique one
  std::string access_key;
  std::string metrics;  // "host:port" or empty
  std::chrono::milliseconds keep_alive_interval{15'000};
  std::chrono::milliseconds client_timeout{30'000};
  std::size_t max_message_size = 32 * 1024;
  // Hardening limits (docs/operations.md); unset: the server_options defaults.
  std::optional<std::size_t> max_outbound_bytes, max_buffer, max_connections, max_header_bytes, max_header_count,
      max_request_body, max_pending_negotiations;
  std::optional<std::chrono::milliseconds> send_timeout, negotiate_timeout;
  std::vector<std::string> cors_origins;  // --cors-origin, repeatable
  std::string tls_cert, tls_key;  // --tls-cert / --tls-key: serve HTTPS and WSS
  bool help = false;
};

// Parses argv; on a bad command line returns false with a one-line `error`.
bool parse_flags(const std::vector<std::string>& args, flags& out, std::string& error);

const char* usage();

}  // namespace conformance
