// HTTP/1.x pieces of the reverse proxy (see proxy_http.hpp).
#include "net/transport/proxy_http.hpp"

#include <algorithm>
#include <charconv>

#include "net/transport/http_util.hpp"

namespace actorhub::transport {

namespace {

constexpr std::size_t max_chunk_line = 4096;  // a chunk-size line with extensions, or one trailer line

// Hop-by-hop request headers (RFC 9110 7.6.1) and those the proxy writes itself.
bool drop_request_header(std::string_view lower_name, bool upgrade) {
  for (std::string_view h : {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
                             "content-length", "expect", "x-actorhub-forwarded", "x-forwarded-for"})
    if (lower_name == h) return true;
  return lower_name == "upgrade" && !upgrade;
}

bool drop_response_header(std::string_view name) {
  for (std::string_view h : {"connection", "keep-alive", "proxy-connection", "upgrade"})
    if (iequals(name, h)) return true;
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const char* reason_of(int status) {
  switch (status) {
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Error";
  }
}

}  // namespace

std::string upstream_request_head(const http_request& req, unsigned version, bool upgrade,
                                  std::string_view client_ip) {
  std::string out;
  out.reserve(256 + req.target.size());
  out += req.method;
  out += ' ';
  out += req.target;
  out += version >= 11 ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n";
  std::string forwarded_for;
  for (const auto& [k, v] : req.headers) {
    if (k == "x-forwarded-for") {
      if (!forwarded_for.empty()) forwarded_for += ", ";
      forwarded_for += v;
    }
    if (drop_request_header(k, upgrade)) continue;
    out += k;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  if (!client_ip.empty()) {
    if (!forwarded_for.empty()) forwarded_for += ", ";
    forwarded_for += client_ip;
  }
  if (!forwarded_for.empty()) {
    out += "x-forwarded-for: ";
    out += forwarded_for;
    out += "\r\n";
  }
  out += "x-actorhub-forwarded: 1\r\n";
  if (!upgrade && (!req.body.empty() || req.method == "POST" || req.method == "PUT")) {
    out += "content-length: ";
    out += std::to_string(req.body.size());
    out += "\r\n";
  }
  out += upgrade ? "connection: Upgrade\r\n" : "connection: close\r\n";
  out += "\r\n";
  return out;
}

std::optional<response_head> parse_response_head(std::string_view head, bool head_request) {
  response_head h;
  auto eol = head.find("\r\n");
  if (eol == std::string_view::npos) return std::nullopt;
  std::string_view line = head.substr(0, eol);
  if (line.substr(0, 7) != "HTTP/1." || line.size() < 12 || line[8] != ' ') return std::nullopt;
  h.version = line[7] == '0' ? 10 : 11;
  std::string_view code = line.substr(9, 3);
  for (char c : code)
    if (c < '0' || c > '9') return std::nullopt;
  h.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  if (line.size() > 12) {
    if (line[12] != ' ') return std::nullopt;
    h.reason = std::string(line.substr(13));
  }
  bool chunked = false;
  bool encoded = false;
  std::optional<std::uint64_t> length;
  std::size_t pos = eol + 2;
  while (pos < head.size()) {
    auto end = head.find("\r\n", pos);
    if (end == std::string_view::npos) return std::nullopt;
    if (end == pos) break;  // the blank line
    std::string_view field = head.substr(pos, end - pos);
    pos = end + 2;
    auto colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    std::string_view name = field.substr(0, colon);
    std::string_view value = trim(field.substr(colon + 1));
    if (iequals(name, "transfer-encoding")) {
      encoded = true;
      auto last = value.rfind(',');
      chunked = iequals(trim(last == std::string_view::npos ? value : value.substr(last + 1)), "chunked");
    } else if (iequals(name, "content-length")) {
      std::uint64_t n = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc{} || p != value.data() + value.size() || (length && *length != n)) return std::nullopt;
      length = n;
    }
    h.headers.emplace_back(std::string(name), std::string(value));
  }
  if (head_request || h.status / 100 == 1 || h.status == 204 || h.status == 304) {
    h.body = body_kind::none;
  } else if (encoded) {
    h.body = chunked ? body_kind::chunked : body_kind::until_close;
  } else if (length) {
    h.body = body_kind::length;
    h.length = *length;
  } else {
    h.body = body_kind::until_close;
  }
  return h;
}

std::string client_response_head(const response_head& h, bool keep_alive) {
  std::string out = h.version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ";
  out += std::to_string(h.status);
  out += ' ';
  out += h.reason;
  out += "\r\n";
  for (const auto& [k, v] : h.headers) {
    if (drop_response_header(k)) continue;
    out += k;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  if (!keep_alive) {
    out += "Connection: close\r\n";
  } else if (h.version < 11) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
  return out;
}

body_framing::body_framing(body_kind kind, std::uint64_t length) : kind_(kind) {
  switch (kind) {
    case body_kind::none:
      state_ = state::done;
      break;
    case body_kind::length:
      remaining_ = length;
      state_ = length == 0 ? state::done : state::body;
      break;
    case body_kind::chunked:
      state_ = state::size;
      break;
    case body_kind::until_close:
      state_ = state::body;
      break;
  }
}

std::size_t body_framing::feed(const char* data, std::size_t n) {
  if (kind_ == body_kind::until_close) return n;
  std::size_t i = 0;
  while (i < n && state_ != state::done && state_ != state::failed) {
    const char c = data[i];
    switch (state_) {
      case state::body: {  // length
        auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, n - i));
        remaining_ -= take;
        i += take;
        if (remaining_ == 0) state_ = state::done;
        continue;
      }
      case state::data: {
        auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, n - i));
        remaining_ -= take;
        i += take;
        if (remaining_ == 0) state_ = state::data_cr;
        continue;
      }
      case state::size: {
        int d = hex_digit(c);
        if (d >= 0) {
          if (remaining_ > (std::uint64_t{1} << 56)) {
            state_ = state::failed;
            break;
          }
          remaining_ = remaining_ * 16 + static_cast<unsigned>(d);
          digits_ = true;
        } else if (digits_ && (c == ';' || c == ' ' || c == '\t')) {
          state_ = state::ext;
        } else if (digits_ && c == '\r') {
          state_ = state::size_lf;
        } else {
          state_ = state::failed;
        }
        break;
      }
      case state::ext:
        if (c == '\r') state_ = state::size_lf;
        else if (++line_ > max_chunk_line) state_ = state::failed;
        break;
      case state::size_lf:
        if (c != '\n') {
          state_ = state::failed;
          break;
        }
        line_ = 0;
        digits_ = false;
        state_ = remaining_ == 0 ? state::trailer_start : state::data;
        break;
      case state::data_cr:
        state_ = c == '\r' ? state::data_lf : state::failed;
        break;
      case state::data_lf:
        state_ = c == '\n' ? state::size : state::failed;
        remaining_ = 0;
        break;
      case state::trailer_start:
        line_ = 0;
        state_ = c == '\r' ? state::final_lf : state::trailer_line;
        break;
      case state::trailer_line:
        if (c == '\n') state_ = state::trailer_start;
        else if (++line_ > max_chunk_line) state_ = state::failed;
        break;
      case state::final_lf:
        state_ = c == '\n' ? state::done : state::failed;
        break;
      case state::done:
      case state::failed:
        break;
    }
    ++i;
  }
  return i;
}

std::string proxy_error_response(int status, std::string_view text, unsigned version) {
  std::string out = version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ";
  out += std::to_string(status);
  out += ' ';
  out += reason_of(status);
  out += "\r\nServer: actorhub\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ";
  out += std::to_string(text.size());
  out += "\r\nConnection: close\r\n\r\n";
  out += text;
  return out;
}

}  // namespace actorhub::transport
