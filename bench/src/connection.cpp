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
#include "http_parse.hpp"

namespace bench {

namespace {

constexpr std::size_t max_frame_bytes = 16 * 1024 * 1024;
constexpr std::size_t max_http_head = 16 * 1024;
constexpr std::size_t max_http_body = 64 * 1024;       // negotiate and POST answers
constexpr std::size_t max_poll_body = 16 * 1024 * 1024;  // one long-poll answer
constexpr std::size_t max_unsent_bytes = 64 * 1024 * 1024;
constexpr int64_t close_timeout_ns = 3'000'000'000;

char read_buffer[256 * 1024];  // one per process: the loop is single-threaded
std::string encode_scratch;

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

// A non-blocking TCP socket connecting to dst from `source` (127.0.0.1: the kernel's choice); -1 with errno.
int open_tcp(const sockaddr_in& dst, in_addr source) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (source.s_addr != 0 && source.s_addr != htonl(INADDR_LOOPBACK)) {
    // Let connect() pick the port for this source address: each 127.x address has its own port range.
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    src.sin_addr = source;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) < 0) {
      int e = errno;
      ::close(fd);
      errno = e;
      return -1;
    }
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&dst), sizeof dst) < 0 && errno != EINPROGRESS) {
    int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

uint64_t big_endian(const char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

}  // namespace

const char* transport_name(transport_kind t) {
  switch (t) {
    case transport_kind::websockets: return "websockets";
    case transport_kind::sse: return "sse";
    case transport_kind::long_polling: return "longpolling";
  }
  return "?";
}

// ---- the POST socket of an SSE or long-polling connection ----

class post_channel final : public io_handler {
 public:
  explicit post_channel(connection& owner) : owner_(owner) {}
  ~post_channel() override { close(); }
  post_channel(const post_channel&) = delete;
  post_channel& operator=(const post_channel&) = delete;

  // Queues hub message bytes; they go out in the next POST (one in flight at a time).
  void send(std::string_view bytes, bool binary) {
    if (queued_.empty()) queued_binary_ = binary;
    queued_.append(bytes.data(), bytes.size());
    if (queued_.size() + out_.size() > max_unsent_bytes) return fail("server not reading (64 MiB unsent)");
    kick();
  }
  // Long polling's end: DELETE {path}?id= after whatever is queued.
  void send_delete() {
    delete_wanted_ = true;
    kick();
  }
  void close() {
    drop_socket();
    in_flight_ = false;
    delete_wanted_ = false;
    queued_.clear();
  }

 private:
  void kick() {
    if (!deferred_) {
      deferred_ = true;
      owner_.loop_.defer(this);
    }
  }
  void on_deferred() override {
    deferred_ = false;
    pump();
  }
  void pump() {
    if (in_flight_ || (queued_.empty() && !delete_wanted_)) return;
    if (fd_ < 0) {
      fd_ = open_tcp(owner_.target_.addr, owner_.source_);
      if (fd_ < 0) return fail(std::strerror(errno));
      connected_ = false;
      want_write_ = true;
      owner_.loop_.add(fd_, EPOLLIN | EPOLLOUT, this);
      return;  // on_io pumps once connected
    }
    if (!connected_) return;
    const auto& t = owner_.target_;
    const char* method = queued_.empty() ? "DELETE " : "POST ";
    out_ += method;
    out_ += t.path;
    out_ += "?id=";
    out_ += url_encode(owner_.token_);
    out_ += " HTTP/1.1\r\nHost: ";
    out_ += t.host_header;
    out_ += "\r\nUser-Agent: actorhub-bench\r\n";
    if (!queued_.empty()) {
      out_ += queued_binary_ ? "Content-Type: application/octet-stream\r\n" : "Content-Type: text/plain;charset=UTF-8\r\n";
      out_ += "Content-Length: " + std::to_string(queued_.size()) + "\r\n\r\n";
      out_ += queued_;
      queued_.clear();
    } else {
      out_ += "Content-Length: 0\r\n\r\n";
      delete_wanted_ = false;
    }
    in_flight_ = true;
    write();
  }

  void on_io(uint32_t ev) override {
    if (fd_ < 0) return;
    if (!connected_) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err) return fail(std::strerror(err));
      if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
      connected_ = true;
      pump();
      if (fd_ >= 0 && out_.empty()) update_interest();
      return;
    }
    if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) read();
    if (fd_ >= 0 && (ev & EPOLLOUT)) write();
  }

  void read() {
    for (;;) {
      ssize_t n = ::recv(fd_, read_buffer, sizeof read_buffer, 0);
      if (n > 0) {
        in_.append(read_buffer, std::size_t(n));
        if (!parse()) return;
        if (std::size_t(n) < sizeof read_buffer) return;
        continue;
      }
      if (n == 0) {
        if (in_flight_) return fail("POST socket closed by the server");
        drop_socket();  // an idle keep-alive socket the server let go: the next POST opens a new one
        return kick();
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR) continue;
      return fail(std::strerror(errno));
    }
  }

  // Answers to POST / DELETE; false once the socket is gone.
  bool parse() {
    while (!in_.empty()) {
      http_head h;
      std::size_t hl = parse_http_head(in_, h, max_http_head);
      if (hl == http_incomplete) return true;
      if (hl == http_malformed) return fail("POST: malformed HTTP response"), false;
      std::size_t used = 0;
      int r = read_http_body(std::string_view(in_).substr(hl), h, max_http_body, body_, used);
      if (r == 0) return true;
      if (r < 0) return fail("POST: bad response body"), false;
      in_.erase(0, hl + used);
      if (!in_flight_) return fail("POST: answer without a request"), false;
      in_flight_ = false;
      if (h.status != 200 && h.status != 202) {
        if (owner_.state_ == connection::state::closing && owner_.closed_by_us_) return true;  // e.g. 404 after DELETE
        return fail(h.status == 404   ? "POST: 404 (no such connection)"
                    : h.status == 409 ? "POST: 409 (concurrent POST)"
                                      : "POST: HTTP status not 200"),
               false;
      }
      if (h.close) {
        drop_socket();
        kick();
        return false;
      }
      kick();  // the next POST carries what was queued meanwhile
    }
    return true;
  }

  void write() {
    std::size_t sent = 0;
    while (sent < out_.size()) {
      ssize_t n = ::send(fd_, out_.data() + sent, out_.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += std::size_t(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return fail(std::strerror(errno));
    }
    out_.erase(0, sent);
    update_interest();
  }

  void update_interest() {
    bool want = !out_.empty();
    if (want == want_write_ || fd_ < 0) return;
    want_write_ = want;
    owner_.loop_.modify(fd_, EPOLLIN | (want ? EPOLLOUT : 0u), this);
  }

  void drop_socket() {
    if (fd_ >= 0) {
      owner_.loop_.remove(fd_);
      ::close(fd_);
      fd_ = -1;
    }
    connected_ = false;
    want_write_ = false;
    in_.clear();
    out_.clear();
  }

  // Ends the whole connection (which closes this channel too); touch nothing afterwards.
  void fail(const char* why) { owner_.finish(true, why); }

  connection& owner_;
  int fd_ = -1;
  bool connected_ = false;
  bool want_write_ = false;
  bool deferred_ = false;
  bool in_flight_ = false;
  bool delete_wanted_ = false;
  bool queued_binary_ = false;
  std::string queued_;  // hub messages for the next POST body
  std::string out_;     // request bytes not yet accepted by the socket
  std::string in_;
  std::string body_;
};

// ---- connection ----

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
  fd_ = open_tcp(target_.addr, source_);
  if (fd_ < 0) return false;
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

static bool is_signalr(wire w) { return w == wire::signalr_json || w == wire::signalr_msgpack; }

void connection::on_connected() {
  if (is_signalr(target_.dialect) && target_.negotiate && token_.empty())
    send_negotiate();
  else
    send_transport_request();
  flush();
}

void connection::send_negotiate() {
  state_ = state::negotiating;
  out_ += "POST " + target_.path + "/negotiate?negotiateVersion=1 HTTP/1.1\r\nHost: " + target_.host_header +
          "\r\nUser-Agent: actorhub-bench\r\nX-Requested-With: XMLHttpRequest\r\n"
          "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 0\r\n\r\n";
}

void connection::send_transport_request() {
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
  switch (target_.transport) {
    case transport_kind::websockets:
      out_ += "GET " + path + " HTTP/1.1\r\nHost: " + target_.host_header +
              "\r\nUser-Agent: actorhub-bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
      return;
    case transport_kind::sse:
      out_ += "GET " + path + " HTTP/1.1\r\nHost: " + target_.host_header +
              "\r\nUser-Agent: actorhub-bench\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";
      return;
    case transport_kind::long_polling:
      send_poll();  // the first poll: answered at once, empty
      return;
  }
}

void connection::send_poll() {
  out_ += "GET " + target_.path + "?id=" + url_encode(token_) + " HTTP/1.1\r\nHost: " + target_.host_header +
          "\r\nUser-Agent: actorhub-bench\r\n\r\n";
  // Not a hub message: the keep-alive sweep's "sent nothing for a while" is left alone.
  if (!deferred_) {
    deferred_ = true;
    loop_.defer(this);
  }
}

void connection::send_handshake() {
  std::string_view hs = target_.dialect == wire::signalr_msgpack ? "{\"protocol\":\"messagepack\",\"version\":1}\x1e"
                                                                 : "{\"protocol\":\"json\",\"version\":1}\x1e";
  if (target_.transport == transport_kind::websockets) return send_frame(1, hs);
  if (!post_) post_ = std::make_unique<post_channel>(*this);
  last_send_ns_ = now_ns();
  post_->send(hs, false);  // always JSON text, also for MessagePack
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
        // The server closes after negotiate: the transport request goes on a fresh socket.
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
    std::size_t u = 0;
    if (state_ == state::negotiating ||
        (state_ == state::upgrading && target_.transport == transport_kind::websockets)) {
      u = consume_http(all.substr(used));
    } else if (state_ == state::upgrading) {
      u = consume_transport_answer(all.substr(used));
    } else if (state_ == state::handshaking || state_ == state::open || state_ == state::closing) {
      switch (target_.transport) {
        case transport_kind::websockets: return used + consume_ws(all.substr(used));
        case transport_kind::sse: return used + consume_sse(all.substr(used));
        case transport_kind::long_polling: return used + consume_polls(all.substr(used));
      }
    } else {
      return size;
    }
    if (u == 0) break;
    used += u;
  }
  return used;
}

std::size_t connection::consume_http(std::string_view data) {
  http_head head;
  std::size_t head_len = parse_http_head(data, head, max_http_head);
  if (head_len == http_incomplete) return 0;
  if (head_len == http_malformed) {
    finish(true, data.size() > max_http_head ? "HTTP response head too large" : "malformed HTTP response");
    return data.size();
  }

  if (state_ == state::negotiating) {
    std::size_t body_len = 0;
    int r = read_http_body(data.substr(head_len), head, max_http_body, body_, body_len);
    if (r == 0) return 0;
    if (r < 0) {
      finish(true, "negotiate: bad or too large body");
      return data.size();
    }
    if (head.status != 200) {
      finish(true, "negotiate: HTTP status not 200");
      return data.size();
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(body_, ec);
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
    if (head.close) {
      reconnect_for_upgrade_ = true;
      return data.size();
    }
    send_transport_request();
    queue_write();
    return head_len + body_len;
  }

  // upgrading (WebSockets)
  if (head.status != 101) {
    finish(true, head.status == 404 ? "upgrade: 404" : "upgrade: HTTP status not 101");
    return data.size();
  }
  state_ = state::handshaking;
  switch (target_.dialect) {
    case wire::signalr_json:
    case wire::signalr_msgpack:
      send_handshake();
      break;
    case wire::ws_json:
      state_ = state::open;
      events_.on_open(*this);
      break;
    case wire::socketio:
      break;  // wait for the engine.io open packet
  }
  return head_len;
}

// SSE: the head of the event stream. Long polling: the first poll, which the server answers at once.
std::size_t connection::consume_transport_answer(std::string_view data) {
  http_head head;
  std::size_t head_len = parse_http_head(data, head, max_http_head);
  if (head_len == http_incomplete) return 0;
  if (head_len == http_malformed) {
    finish(true, "malformed HTTP response");
    return data.size();
  }
  if (target_.transport == transport_kind::sse) {
    if (head.status != 200 || !head.event_stream) {
      finish(true, head.status == 404 ? "sse: 404" : head.status != 200 ? "sse: HTTP status not 200"
                                                                          : "sse: not text/event-stream");
      return data.size();
    }
    sse_chunked_ = head.chunked;
    sse_chunks_.reset();
    sse_ = sse_parser{};
    sse_text_.clear();
    state_ = state::handshaking;
    send_handshake();
    return head_len;
  }
  std::size_t body_len = 0;
  int r = read_http_body(data.substr(head_len), head, max_poll_body, body_, body_len);
  if (r == 0) return 0;
  if (r < 0 || head.status != 200 || head.close) {
    finish(true, r < 0 ? "long polling: bad first poll body" : head.status == 404 ? "long polling: 404"
                 : head.status != 200 ? "long polling: first poll not 200"
                                      : "long polling: server closed the poll connection");
    return data.size();
  }
  state_ = state::handshaking;
  send_handshake();
  send_poll();
  if (!body_.empty()) {  // not expected: the first poll carries nothing
    std::string msg;
    msg.swap(body_);
    if (!on_message(msg)) return data.size();
  }
  return head_len + body_len;
}

std::size_t connection::consume_sse(std::string_view data) {
  std::size_t used;
  if (sse_chunked_) {
    used = sse_chunks_.feed(data, sse_text_);
    if (sse_chunks_.failed()) {
      finish(true, "sse: bad chunked encoding");
      return data.size();
    }
  } else {
    sse_text_.append(data.data(), data.size());
    used = data.size();
  }
  if (sse_text_.size() > max_frame_bytes) {
    finish(true, "sse: event too large");
    return data.size();
  }
  std::size_t parsed = sse_.feed(sse_text_, [&](std::string_view event) { return on_message(event); });
  if (fd_ < 0) return data.size();
  sse_text_.erase(0, parsed);
  if (sse_chunks_.finished()) {
    bool ours = state_ == state::closing && closed_by_us_;
    finish(!ours, ours ? "closed" : "closed by server (end of event stream)");
    return data.size();
  }
  return used;
}

std::size_t connection::consume_polls(std::string_view data) {
  std::size_t pos = 0;
  while (fd_ >= 0 && pos < data.size()) {
    http_head head;
    std::size_t head_len = parse_http_head(data.substr(pos), head, max_http_head);
    if (head_len == http_incomplete) break;
    if (head_len == http_malformed) {
      finish(true, "long polling: malformed HTTP response");
      return data.size();
    }
    std::size_t body_len = 0;
    int r = read_http_body(data.substr(pos + head_len), head, max_poll_body, body_, body_len);
    if (r == 0) break;
    if (r < 0) {
      finish(true, "long polling: bad or too large poll answer");
      return data.size();
    }
    pos += head_len + body_len;
    bool ours = state_ == state::closing && closed_by_us_;
    if (head.status != 200 || head.close) {
      // 204: the server ended the connection (after our DELETE: the clean end of a cycle).
      finish(!ours, ours                  ? "closed"
                    : head.status == 204  ? "closed by server (poll 204)"
                    : head.status == 404  ? "long polling: 404"
                    : head.status != 200  ? "long polling: poll status not 200"
                                          : "long polling: server closed the poll connection");
      return data.size();
    }
    send_poll();  // before handling the answer: the server can queue the next messages meanwhile
    if (!body_.empty()) {
      std::string msg;
      msg.swap(body_);
      bool alive = on_message(msg);
      msg.swap(body_);  // keep the buffer
      if (!alive) return data.size();
    }
  }
  return pos;
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
        if (!on_message(msg)) return data.size();
      }
      continue;
    }
    if (!fin) {
      frag_opcode_ = opcode;
      frag_.assign(payload);
      continue;
    }
    if (!on_message(payload)) return data.size();
  }
  return pos;
}

bool connection::on_message(std::string_view payload) {
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
  if (!rest.empty() && fd_ >= 0) on_message(rest);
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

void connection::send_message(std::string_view msg) {
  if (target_.transport == transport_kind::websockets) return send_frame(wire_is_binary(target_.dialect) ? 2 : 1, msg);
  if (fd_ < 0) return;
  if (!post_) post_ = std::make_unique<post_channel>(*this);
  last_send_ns_ = now_ns();
  post_->send(msg, wire_is_binary(target_.dialect));
}

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
    state_ = state::closing;
    closed_by_us_ = true;
    deadline_ns_ = now_ns() + close_timeout_ns;
    switch (target_.transport) {
      case transport_kind::websockets:
        if (target_.dialect == wire::socketio) send_frame(1, "41");
        send_frame(8, "\x03\xe8");
        return;
      case transport_kind::sse:
        // A SignalR client ends an event stream by closing it; our EOF on the stream reports the end.
        if (post_) post_->close();
        ::shutdown(fd_, SHUT_RDWR);
        return;
      case transport_kind::long_polling:
        post_->send_delete();  // the server then answers the pending poll with 204
        return;
    }
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
  if (post_) post_->close();
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
