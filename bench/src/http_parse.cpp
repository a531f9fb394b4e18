#include "http_parse.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace bench {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (iequals(hay.substr(i, needle.size()), needle)) return true;
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Hex chunk size of a size line (extensions after ';' ignored); false if none or absurd.
bool chunk_size(std::string_view line, std::size_t& n) {
  line = trim(line.substr(0, line.find(';')));
  if (line.empty() || line.size() > 15) return false;
  n = 0;
  for (char ch : line) {
    int d = std::isdigit(static_cast<unsigned char>(ch)) ? ch - '0'
            : (ch >= 'a' && ch <= 'f')                   ? ch - 'a' + 10
            : (ch >= 'A' && ch <= 'F')                   ? ch - 'A' + 10
                                                         : -1;
    if (d < 0) return false;
    n = n * 16 + std::size_t(d);
  }
  return true;
}

}  // namespace

std::size_t parse_http_head(std::string_view data, http_head& out, std::size_t max_head) {
  auto end = data.find("\r\n\r\n");
  if (end == std::string_view::npos) return data.size() > max_head ? http_malformed : http_incomplete;
  std::string_view head = data.substr(0, end + 2);
  out = http_head{};
  // "HTTP/1.x NNN reason"
  if (head.size() < 12 || head.substr(0, 7) != "HTTP/1." || head[8] != ' ') return http_malformed;
  bool http10 = head[7] == '0';
  for (int i = 9; i < 12; ++i)
    if (!std::isdigit(static_cast<unsigned char>(head[std::size_t(i)]))) return http_malformed;
  out.status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
  bool keep_alive = false;
  std::size_t pos = head.find("\r\n") + 2;
  while (pos < head.size()) {
    auto eol = head.find("\r\n", pos);
    std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 2;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return http_malformed;
    std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      char* e = nullptr;
      std::string v(value);
      unsigned long long n = std::strtoull(v.c_str(), &e, 10);
      if (v.empty() || *e) return http_malformed;
      out.has_length = true;
      out.content_length = std::size_t(n);
    } else if (iequals(name, "transfer-encoding")) {
      out.chunked = icontains(value, "chunked");
    } else if (iequals(name, "connection")) {
      if (icontains(value, "close")) out.close = true;
      if (icontains(value, "keep-alive")) keep_alive = true;
    } else if (iequals(name, "content-type")) {
      out.event_stream = icontains(value, "text/event-stream");
    }
  }
  if (http10 && !keep_alive) out.close = true;
  return end + 4;
}

int read_http_body(std::string_view data, const http_head& head, std::size_t max_body, std::string& body,
                   std::size_t& used) {
  body.clear();
  used = 0;
  if (head.chunked) {
    chunked_decoder d;
    std::size_t n = d.feed(data, body);
    if (d.failed() || body.size() > max_body) return -1;
    if (!d.finished()) {
      body.clear();
      return 0;
    }
    used = n;
    return 1;
  }
  std::size_t len = head.has_length ? head.content_length : 0;
  if (len > max_body) return -1;
  if (data.size() < len) return 0;
  body.assign(data.substr(0, len));
  used = len;
  return 1;
}

std::size_t chunked_decoder::feed(std::string_view in, std::string& out) {
  std::size_t pos = 0;
  while (pos < in.size()) {
    switch (state_) {
      case state::size: {
        auto eol = in.find("\r\n", pos);
        if (eol == std::string_view::npos) {
          if (in.size() - pos > 64) state_ = state::failed;
          return pos;
        }
        if (!chunk_size(in.substr(pos, eol - pos), left_)) {
          state_ = state::failed;
          return pos;
        }
        pos = eol + 2;
        state_ = left_ ? state::data : state::trailer;
        break;
      }
      case state::data: {
        std::size_t n = std::min(left_, in.size() - pos);
        out.append(in.data() + pos, n);
        pos += n;
        left_ -= n;
        if (!left_) state_ = state::data_crlf;
        break;
      }
      case state::data_crlf:
        if (in.size() - pos < 2) return pos;
        if (in[pos] != '\r' || in[pos + 1] != '\n') {
          state_ = state::failed;
          return pos;
        }
        pos += 2;
        state_ = state::size;
        break;
      case state::trailer: {  // trailer fields, then an empty line
        auto eol = in.find("\r\n", pos);
        if (eol == std::string_view::npos) return pos;
        bool empty = eol == pos;
        pos = eol + 2;
        if (empty) {
          state_ = state::done;
          return pos;
        }
        break;
      }
      case state::done:
      case state::failed:
        return pos;
    }
  }
  return pos;
}

}  // namespace bench
