#include "connection.hpp"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>

#include "clock.hpp"

namespace bench {

namespace {

constexpr std::size_t max_frame_bytes = 16 * 1024 * 1024;
constexpr std::size_t max_http_head = 16 * 1024;
constexpr std::size_t max_http_body = 64 * 1024;
constexpr std::size_t max_unsent_bytes = 64 * 1024 * 1024;
constexpr int64_t close_timeout_ns = 3'000'000'000;

char read_buffer[256 * 1024];  // one per process: the loop is single-threaded
std::string encode_scratch;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

std::string url_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += char(ch);
    } else {
      out += '%';
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
  return out;
}

// HTTP/1.1 chunked body: 1 = complete (body filled, used advanced), 0 = need more bytes, -1 = malformed.
int dechunk(std::string_view in, std::string& body, std::size_t& used) {
  std::size_t pos = 0;
  for (;;) {
    auto eol = in.find("\r\n", pos);
    if (eol == std::string_view::npos) return in.size() - pos > 32 ? -1 : 0;
    char* end = nullptr;
    std::string size_line(in.substr(pos, eol - pos));
    unsigned long n = std::strtoul(size_line.c_str(), &end, 16);
    if (end == size_line.c_str() || n > max_http_body || body.size() + n > max_http_body) return -1;
    pos = eol + 2;
    if (n == 0) {
      auto trailer_end = in.find("\r\n", pos);  // no trailers expected: the next line is empty
      if (trailer_end == std::string_view::npos) return 0;
      used += trailer_end + 2;
      return 1;
    }
    if (in.size() < pos + n + 2) return 0;
    body.append(in.substr(pos, n));
    pos += n + 2;
  }
}

uint64_t big_endian(const char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

}  // namespace

connection::connection(event_loop& loop, const target& t, connection_events& ev, uint32_t index)
    : loop_(loop), target_(t), events_(ev), index_(index), mask_state_(0x9e3779b9u ^ (index * 2654435761u) ^ 1u) {}

connection::~connection() { close_socket(); }

void connection::start(in_addr source) {
  close_socket();
  source_ = source;
  token_.clear();
  reconnect_for_upgrade_ = false;
  closed_by_us_ = false;
  outstanding = 0;
  started_ns_ = now_ns();
  last_send_ns_ = started_ns_;
  deadline_ns_ = started_ns_ + target_.setup_timeout_ns;
  if (!open_socket()) finish(true, std::strerror(errno));
}

bool connection::open_socket() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (source_.s_addr != 0 && source_.s_addr != htonl(INADDR_LOOPBACK)) {
    // Let connect() pick the port for this source address: each 127.x address has its own port range.
    setsockopt(fd_, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    src.sin_addr = source_;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&src), sizeof src) < 0) {
      int e = errno;
      ::close(fd_);
      fd_ = -1;
      errno = e;
      return false;
    }
  }
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&target_.addr), sizeof target_.addr) < 0 &&
      errno != EINPROGRESS) {
    int e = errno;
    ::close(fd_);
    fd_ = -1;
    errno = e;
    return false;
  }
  state_ = state::connecting;
  want_write_ = true;
  loop_.add(fd_, EPOLLIN | EPOLLOUT, this);
  return true;
}

void connection::on_io(uint32_t ev) {
  if (fd_ < 0) return;
  if (state_ == state::connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) return finish(true, std::strerror(err));
    if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_connected();
    return;
  }
  if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable();
  if (fd_ >= 0 && (ev & EPOLLOUT)) flush();
}

void connection::on_connected() {
  bool signalr = target_.dialect == wire::signalr_json || target_.dialect == wire::signalr_msgpack;
  if (signalr && target_.negotiate && token_.empty())
    send_negotiate();
  else
    send_upgrade();
  flush();
}

void connection::send_negotiate() {
  state_ = state::negotiating;
  out_ += "POST " + target_.path + "/negotiate?negotiateVersion=1 HTTP/1.1\r\nHost: " + target_.host_header +
          "\r\nUser-Agent: actorhub-bench\r\nX-Requested-With: XMLHttpRequest\r\n"
          "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 0\r\n\r\n";
}

void connection::send_upgrade() {
  state_ = state::upgrading;
  std::string path;
  switch (target_.dialect) {
    case wire::signalr_json:
    case wire::signalr_msgpack:
      path = target_.path;
      if (!token_.empty()) path += "?id=" + url_encode(token_);
      break;
    case wire::ws_json: path = target_.path; break;
    case wire::socketio: path = "/socket.io/?EIO=4&transport=websocket"; break;
  }
  out_ += "GET " + path + " HTTP/1.1\r\nHost: " + target_.host_header +
          "\r\nUser-Agent: actorhub-bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

void connection::on_readable() {
  for (;;) {
    ssize_t n = ::recv(fd_, read_buffer, sizeof read_buffer, 0);
    if (n > 0) {
      if (in_.empty()) {
        std::size_t used = consume(read_buffer, std::size_t(n));
        if (fd_ >= 0 && !reconnect_for_upgrade_ && used < std::size_t(n))
          in_.assign(read_buffer + used, std::size_t(n) - used);
      } else {
        in_.append(read_buffer, std::size_t(n));
        std::size_t used = consume(in_.data(), in_.size());
        if (fd_ >= 0) in_.erase(0, std::min(used, in_.size()));
      }
      if (fd_ < 0) return;
      if (reconnect_for_upgrade_) {
        // The server closes after negotiate: upgrade on a fresh socket.
        reconnect_for_upgrade_ = false;
        close_socket();
        if (!open_socket()) finish(true, std::strerror(errno));
        return;
      }
      if (std::size_t(n) < sizeof read_buffer) return;
      continue;
    }
    if (n == 0) {
      if (state_ == state::closing) return finish(!closed_by_us_, closed_by_us_ ? "closed" : "closed by server");
      return finish(true, state_ == state::open ? "closed by server (EOF)" : "EOF during setup");
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    if (errno == EINTR) continue;
    return finish(true, std::strerror(errno));
  }
}

std::size_t connection::consume(const char* data, std::size_t size) {
  std::string_view all(data, size);
  std::size_t used = 0;
  while (used < size && fd_ >= 0 && !reconnect_for_upgrade_) {
    if (state_ == state::negotiating || state_ == state::upgrading) {
      std::size_t u = consume_http(all.substr(used));
      if (u == 0) break;
      used += u;
    } else if (state_ == state::handshaking || state_ == state::open || state_ == state::closing) {
      used += consume_ws(all.substr(used));
      break;
    } else {
      return size;
    }
  }
  return used;
}

std::size_t connection::consume_http(std::string_view data) {
  auto head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (data.size() > max_http_head) finish(true, "HTTP response head too large");
    return 0;
  }
  std::string head = lower(data.substr(0, head_end + 2));
  int status = 0;
  if (head.rfind("http/1.", 0) == 0 && head.size() > 12) status = std::atoi(head.c_str() + 9);
  std::size_t used = head_end + 4;

  if (state_ == state::negotiating) {
    std::string body;
    auto cl = head.find("\r\ncontent-length:");
    if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
      int r = dechunk(data.substr(used), body, used);
      if (r == 0) return 0;
      if (r < 0) {
        finish(true, "negotiate: bad chunked body");
        return data.size();
      }
    } else {
      std::size_t body_len = cl == std::string::npos ? 0 : std::strtoul(head.c_str() + cl + 17, nullptr, 10);
      if (body_len > max_http_body) {
        finish(true, "negotiate body too large");
        return data.size();
      }
      if (data.size() < used + body_len) return 0;
      body.assign(data.substr(used, body_len));
      used += body_len;
    }
    if (status != 200) {
      finish(true, "negotiate: HTTP status not 200");
      return data.size();
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    const boost::json::object* o = ec ? nullptr : v.if_object();
    const boost::json::value* tok = nullptr;
    if (o) {
      tok = o->if_contains("connectionToken");
      if (!tok || !tok->is_string()) tok = o->if_contains("connectionId");
    }
    if (!tok || !tok->is_string()) {
      finish(true, o && o->if_contains("url") ? "negotiate: redirect not supported by the bench"
                                                : "negotiate: no connectionToken/connectionId");
      return data.size();
    }
    token_ = std::string(tok->as_string());
    if (head.find("\r\nconnection: close") != std::string::npos) {
      reconnect_for_upgrade_ = true;
      return data.size();
    }
    send_upgrade();
    queue_write();
    return used;
  }

  // upgrading
  if (status != 101) {
    finish(true, status == 404 ? "upgrade: 404" : "upgrade: HTTP status not 101");
    return data.size();
  }
  state_ = state::handshaking;
  switch (target_.dialect) {
    case wire::signalr_json:
      send_frame(1, "{\"protocol\":\"json\",\"version\":1}\x1e");
      break;
    case wire::signalr_msgpack:
      send_frame(1, "{\"protocol\":\"messagepack\",\"version\":1}\x1e");
      break;
    case wire::ws_json:
      state_ = state::open;
      events_.on_open(*this);
      break;
    case wire::socketio:
      break;  // wait for the engine.io open packet
  }
  return used;
}

std::size_t connection::consume_ws(std::string_view data) {
  std::size_t pos = 0;
  while (fd_ >= 0) {
    std::size_t avail = data.size() - pos;
    if (avail < 2) break;
    const char* p = data.data() + pos;
    int opcode = p[0] & 0x0f;
    bool fin = p[0] & 0x80;
    bool masked = p[1] & 0x80;
    uint64_t len = p[1] & 0x7f;
    std::size_t hdr = 2;
    if (len == 126) {
      if (avail < 4) break;
      len = big_endian(p + 2, 2);
      hdr = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = big_endian(p + 2, 8);
      hdr = 10;
    }
    if (len > max_frame_bytes) {
      finish(true, "WebSocket frame too large");
      return data.size();
    }
    std::size_t mask_at = hdr;
    if (masked) hdr += 4;
    if (avail < hdr + len) break;
    std::string unmasked;
    std::string_view payload(p + hdr, len);
    if (masked) {  // servers must not mask; tolerate it anyway
      unmasked.assign(payload);
      for (std::size_t i = 0; i < unmasked.size(); ++i) unmasked[i] ^= p[mask_at + (i & 3)];
      payload = unmasked;
    }
    pos += hdr + len;
    if (opcode >= 8) {
      if (opcode == 8) {  // close
        if (state_ != state::closing) {
          send_frame(8, payload.substr(0, std::min<std::size_t>(payload.size(), 2)));
          state_ = state::closing;
          deadline_ns_ = now_ns() + close_timeout_ns;
        }
      } else if (opcode == 9) {
        send_frame(10, payload);
      }
      continue;
    }
    if (opcode == 0) {
      frag_.append(payload);
      if (frag_.size() > max_frame_bytes) {
        finish(true, "WebSocket message too large");
        return data.size();
      }
      if (fin) {
        std::string msg;
        msg.swap(frag_);
        if (!on_ws_message(frag_opcode_, msg)) return data.size();
      }
      continue;
    }
    if (!fin) {
      frag_opcode_ = opcode;
      frag_.assign(payload);
      continue;
    }
    if (!on_ws_message(opcode, payload)) return data.size();
  }
  return pos;
}

bool connection::on_ws_message(int, std::string_view payload) {
  if (state_ == state::handshaking) {
    on_handshake_frame(payload);
    return fd_ >= 0;
  }
  if (state_ != state::open && state_ != state::closing) return true;
  bool ok = for_each_record(target_.dialect, payload, [&](const incoming& in) {
    if (fd_ < 0) return;
    if (target_.dialect == wire::socketio && in.kind == incoming::ping) {
      send_frame(1, "3");
      return;
    }
    events_.on_record(*this, in);
  });
  if (!ok && fd_ >= 0) finish(true, "unparseable message from server");
  return fd_ >= 0;
}

void connection::on_handshake_frame(std::string_view payload) {
  if (target_.dialect == wire::socketio) {
    if (payload.size() >= 1 && payload[0] == '0') {
      send_frame(1, "40");  // engine.io open -> socket.io connect to namespace "/"
    } else if (payload.rfind("40", 0) == 0) {
      state_ = state::open;
      events_.on_open(*this);
    } else if (payload.rfind("44", 0) == 0) {
      finish(true, "socket.io connect_error");
    } else if (payload == "2") {
      send_frame(1, "3");
    }
    return;
  }
  auto end = payload.find('\x1e');
  if (end == std::string_view::npos) return finish(true, "handshake: no record separator");
  if (payload.substr(0, end).find("\"error\"") != std::string_view::npos) return finish(true, "handshake rejected");
  state_ = state::open;
  events_.on_open(*this);
  auto rest = payload.substr(end + 1);
  if (!rest.empty() && fd_ >= 0) on_ws_message(wire_is_binary(target_.dialect) ? 2 : 1, rest);
}

void connection::send_frame(int opcode, std::string_view payload) {
  if (fd_ < 0) return;
  char hdr[14];
  std::size_t n = 0;
  hdr[n++] = char(0x80 | opcode);
  if (payload.size() < 126) {
    hdr[n++] = char(0x80 | payload.size());
  } else if (payload.size() < 65536) {
    hdr[n++] = char(0x80 | 126);
    hdr[n++] = char(payload.size() >> 8);
    hdr[n++] = char(payload.size() & 0xff);
  } else {
    hdr[n++] = char(0x80 | 127);
    for (int i = 7; i >= 0; --i) hdr[n++] = char((uint64_t(payload.size()) >> (8 * i)) & 0xff);
  }
  // xorshift32: a cheap, varying client mask key (RFC 6455 requires clients to mask)
  mask_state_ ^= mask_state_ << 13;
  mask_state_ ^= mask_state_ >> 17;
  mask_state_ ^= mask_state_ << 5;
  char key[4];
  std::memcpy(key, &mask_state_, 4);
  std::memcpy(hdr + n, key, 4);
  n += 4;
  out_.append(hdr, n);
  std::size_t at = out_.size();
  out_.append(payload.data(), payload.size());
  char* q = out_.data() + at;
  for (std::size_t i = 0; i < payload.size(); ++i) q[i] ^= key[i & 3];
  if (out_.size() > max_unsent_bytes) return finish(true, "server not reading (64 MiB unsent)");
  queue_write();
}

void connection::send_message(std::string_view msg) { send_frame(wire_is_binary(target_.dialect) ? 2 : 1, msg); }

void connection::invoke(std::string_view method, std::initializer_list<std::string_view> args, int64_t id) {
  if (state_ != state::open) return;
  encode_scratch.clear();
  encode_invocation(target_.dialect, encode_scratch, method, args, id);
  send_message(encode_scratch);
}

void connection::ping() {
  if (state_ != state::open) return;
  encode_scratch.clear();
  encode_ping(target_.dialect, encode_scratch);
  if (!encode_scratch.empty()) send_message(encode_scratch);
}

void connection::close_gracefully() {
  if (state_ == state::open || state_ == state::handshaking) {
    if (target_.dialect == wire::socketio) send_frame(1, "41");
    send_frame(8, "\x03\xe8");
    state_ = state::closing;
    closed_by_us_ = true;
    deadline_ns_ = now_ns() + close_timeout_ns;
  } else if (state_ != state::closing) {
    abort();
  }
}

void connection::abort() {
  close_socket();
  state_ = state::closed;
}

void connection::check_deadline(int64_t now) {
  if (fd_ < 0 || now < deadline_ns_) return;
  if (state_ == state::closing)
    finish(!closed_by_us_, "close timeout");
  else if (state_ != state::open)
    finish(true, "setup timeout");
}

void connection::queue_write() {
  last_send_ns_ = now_ns();
  if (!deferred_) {
    deferred_ = true;
    loop_.defer(this);
  }
}

void connection::on_deferred() {
  deferred_ = false;
  if (fd_ >= 0 && state_ != state::connecting) flush();
}

void connection::flush() {
  std::size_t sent = 0;
  while (sent < out_.size()) {
    ssize_t n = ::send(fd_, out_.data() + sent, out_.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += std::size_t(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return finish(true, std::strerror(errno));
  }
  out_.erase(0, sent);
  update_interest();
}

void connection::update_interest() {
  bool want = !out_.empty();
  if (want == want_write_ || fd_ < 0) return;
  want_write_ = want;
  loop_.modify(fd_, EPOLLIN | (want ? EPOLLOUT : 0u), this);
}

void connection::close_socket() {
  if (fd_ >= 0) {
    loop_.remove(fd_);
    ::close(fd_);
    fd_ = -1;
  }
  in_.clear();
  in_.shrink_to_fit();
  out_.clear();
  out_.shrink_to_fit();
  frag_.clear();
  want_write_ = false;
}

void connection::finish(bool failed, const char* why) {
  close_socket();
  state_ = state::closed;
  events_.on_closed(*this, failed, why);
}

}  // namespace bench
