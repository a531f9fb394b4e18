// POSIX WebSocket test client (see raw_ws.hpp).
#include "raw_ws.hpp"

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <utility>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace actorhub::test {

namespace {

bool write_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    auto n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 1000);
      continue;
    }
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

std::string masked_frame(std::uint8_t opcode, const std::string& payload) {
  std::string f;
  f.push_back(static_cast<char>(0x80 | opcode));
  std::size_t n = payload.size();
  if (n < 126) {
    f.push_back(static_cast<char>(0x80 | n));
  } else if (n < 65536) {
    f.push_back(static_cast<char>(0x80 | 126));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n & 0xff));
  } else {
    f.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xff));
  }
  const char mask[4] = {0x12, 0x34, 0x56, 0x78};
  f.append(mask, 4);
  for (std::size_t i = 0; i < n; ++i) f.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
  return f;
}

}  // namespace

std::optional<raw_ws> raw_ws::open(std::uint16_t port, const std::string& target, int rcvbuf,
                                   std::chrono::milliseconds timeout) {
  raw_ws c;
  c.fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c.fd_ < 0) return std::nullopt;
  if (rcvbuf > 0) ::setsockopt(c.fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  int one = 1;
  ::setsockopt(c.fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(c.fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(c.fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(c.fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return std::nullopt;
  std::string req = "GET " + target +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  if (!write_all(c.fd_, req)) return std::nullopt;
  std::string head;
  char ch;
  while (head.size() < 8192 && head.find("\r\n\r\n") == std::string::npos) {
    auto n = ::recv(c.fd_, &ch, 1, 0);  // byte by byte: nothing of the first frames is consumed here
    if (n <= 0) return std::nullopt;
    head.push_back(ch);
  }
  if (head.rfind("HTTP/1.1 101", 0) != 0) return std::nullopt;
  c.send_text(R"({"protocol":"json","version":1})" "\x1e");
  return c;
}

raw_ws::raw_ws(raw_ws&& o) noexcept { *this = std::move(o); }

raw_ws& raw_ws::operator=(raw_ws&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    records = std::move(o.records);
    on_record = std::move(o.on_record);
    close_code = o.close_code;
    close_reason = std::move(o.close_reason);
    ended = o.ended;
    bytes_read = o.bytes_read;
    in_ = std::move(o.in_);
    text_ = std::move(o.text_);
  }
  return *this;
}

raw_ws::~raw_ws() {
  if (fd_ >= 0) ::close(fd_);
}

void raw_ws::send_text(const std::string& payload) { write_all(fd_, masked_frame(0x1, payload)); }

void raw_ws::set_non_blocking() { ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK); }

bool raw_ws::pump(std::chrono::milliseconds timeout) {
  if (ended) return false;
  bool non_blocking = (::fcntl(fd_, F_GETFL) & O_NONBLOCK) != 0;
  if (!non_blocking) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return true;
  }
  char buf[65536];
  for (;;) {
    auto n = ::recv(fd_, buf, sizeof buf, non_blocking ? 0 : MSG_DONTWAIT);
    if (n > 0) {
      bytes_read += static_cast<std::size_t>(n);
      in_.append(buf, static_cast<std::size_t>(n));
      parse();
      if (static_cast<std::size_t>(n) < sizeof buf) return true;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n < 0 && errno == EINTR) continue;
    ended = true;
    return false;
  }
}

void raw_ws::parse() {
  std::size_t pos = 0;
  for (;;) {
    if (in_.size() - pos < 2) break;
    auto b0 = static_cast<std::uint8_t>(in_[pos]);
    auto b1 = static_cast<std::uint8_t>(in_[pos + 1]);
    std::size_t hdr = 2;
    std::uint64_t len = b1 & 0x7f;
    if (len == 126) {
      if (in_.size() - pos < 4) break;
      len = (static_cast<std::uint8_t>(in_[pos + 2]) << 8) | static_cast<std::uint8_t>(in_[pos + 3]);
      hdr = 4;
    } else if (len == 127) {
      if (in_.size() - pos < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<std::uint8_t>(in_[pos + 2 + i]);
      hdr = 10;
    }
    if (in_.size() - pos - hdr < len) break;
    std::string_view payload(in_.data() + pos + hdr, static_cast<std::size_t>(len));
    std::uint8_t op = b0 & 0x0f;
    bool fin = (b0 & 0x80) != 0;
    if (op == 0x8) {
      close_code = payload.size() >= 2 ? (static_cast<std::uint8_t>(payload[0]) << 8) | static_cast<std::uint8_t>(payload[1]) : 1005;
      if (payload.size() > 2) close_reason = std::string(payload.substr(2));
      // As a browser does: answer the server's Close with a Close carrying its code.
      write_all(fd_, masked_frame(0x8, std::string(payload.substr(0, std::min<std::size_t>(payload.size(), 2)))));
    } else if (op == 0x1 || op == 0x2 || op == 0x0) {
      text_.append(payload);
      if (fin) {
        std::size_t start = 0;
        for (;;) {
          auto end = text_.find('\x1e', start);
          if (end == std::string::npos) break;
          if (on_record) {
            on_record(std::string_view(text_).substr(start, end - start));
          } else {
            records.emplace_back(text_.substr(start, end - start));
          }
          start = end + 1;
        }
        text_.clear();
      }
    }
    pos += hdr + static_cast<std::size_t>(len);
  }
  in_.erase(0, pos);
}

}  // namespace actorhub::test
