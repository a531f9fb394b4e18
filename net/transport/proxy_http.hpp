// The HTTP/1.x pieces of the reverse proxy (forward.cpp) as plain strings, so they are cheap to compile and to
// unit-test: the request head sent to the hosting endpoint, the response head (parsed, and rewritten for the
// client's connection), the framing of a response body relayed byte for byte, and the proxy's own error answers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <actorhub/http_types.hpp>

namespace actorhub::transport {

// Marks a request one endpoint forwarded to another: it is never forwarded again (the target answers 404 itself
// when it does not know the id), so a stale locator cannot make a loop.
inline constexpr std::string_view forwarded_header = "x-actorhub-forwarded";

// The request head for the hosting endpoint: the client's method, target, HTTP version and end-to-end headers,
// plus `X-Actorhub-Forwarded: 1` and `X-Forwarded-For` (the client's value, then `client_ip`). Hop-by-hop
// headers are dropped; a body is sent with Content-Length. `upgrade` keeps the WebSocket upgrade (Upgrade,
// Connection: Upgrade); otherwise `Connection: close` (one upstream connection per forwarded request).
std::string upstream_request_head(const http_request& req, unsigned version, bool upgrade, std::string_view client_ip);

// How a response body ends.
enum class body_kind : std::uint8_t { none, length, chunked, until_close };

struct response_head {
  unsigned version = 11;  // 10 or 11
  int status = 0;
  std::string reason;
  string_pairs headers;  // as received (names keep their case)
  body_kind body = body_kind::until_close;
  std::uint64_t length = 0;  // body_kind::length
};

// Parses a complete response head (status line through the blank line). `head_request`: the response to a HEAD
// request has no body whatever its headers say. nullopt when malformed (bad status line, bad Content-Length).
std::optional<response_head> parse_response_head(std::string_view head, bool head_request);

// The head for the client: status line and end-to-end headers as received; the upstream connection's hop-by-hop
// headers (Connection, Keep-Alive, ...) replaced by the client connection's own (`keep_alive` after this response).
// A 101 is relayed unchanged (its Connection: Upgrade belongs to the upgrade): use the raw head for it.
std::string client_response_head(const response_head& h, bool keep_alive);

// Where a relayed response body ends. feed() sees every body byte in order and returns how many of them belong
// to the body (the rest is past its end); once done(), the response is complete. A chunked body is checked
// while it passes (sizes, CRLFs, trailers), not decoded.
class body_framing {
 public:
  explicit body_framing(body_kind kind = body_kind::until_close, std::uint64_t length = 0);
  std::size_t feed(const char* data, std::size_t n);
  bool done() const noexcept { return state_ == state::done; }
  bool failed() const noexcept { return state_ == state::failed; }
  body_kind kind() const noexcept { return kind_; }

 private:
  enum class state : std::uint8_t {
    body,  // none / length / until_close
    size, ext, size_lf, data, data_cr, data_lf, trailer_start, trailer_line, final_lf,
    done, failed
  };
  body_kind kind_;
  state state_ = state::body;
  std::uint64_t remaining_ = 0;  // length: body bytes left; chunked: data bytes left in the chunk
  std::size_t line_ = 0;         // bytes of the current size/extension/trailer line (bounded)
  bool digits_ = false;          // the chunk size has a digit
};

// A complete response of the proxy itself (502, 503, 504): text/plain, closes the connection.
std::string proxy_error_response(int status, std::string_view text, unsigned version);

}  // namespace actorhub::transport
