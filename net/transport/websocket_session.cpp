// The WebSocket transport of one session (see websocket_session.hpp).
//
// Beast performs the opening handshake only; afterwards the link owns the bare socket and speaks RFC 6455 with
// ws_frame.hpp. What that buys on the hot paths:
// - a small per-connection read buffer: a typical frame arrives whole in one read; more is read into one
//   buffer per I/O thread; complete frames are unmasked and handed to the session in place, and only an
//   incomplete frame is kept (by the reader); an idle connection holds its socket, 256 bytes and the session;
// - everything queued for the connection leaves as one frame in one gathered write (header + the shared
//   records, no copy), attempted synchronously; only a full socket buffer waits for writability.
#include "net/transport/websocket_session.hpp"

#include <array>
#include <cstring>
#include <vector>

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "net/transport/inline_allocator.hpp"
#include "net/transport/server_state.hpp"
#include "net/transport/session.hpp"
#include "net/transport/ws_frame.hpp"

namespace actorhub::transport {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t read_chunk = 64 * 1024;  // one read per readable socket, from the I/O thread's buffer
constexpr int reads_per_turn = 4;             // then let other sockets run (a flooding client is not served first)
constexpr std::size_t max_iov = 64;            // buffers per gathered write (Asio's limit per call)
constexpr std::size_t read_op_size = 192;      // room for Asio's pending read operation inside the link
using read_allocator = inline_allocator<char, read_op_size>;

// The I/O thread's read buffer: shared by every connection it serves, so idle connections own none.
char* thread_read_buffer() {
  thread_local std::unique_ptr<char[]> buf(new char[read_chunk]);
  return buf.get();
}

std::size_t max_message(const session& s) {
  const auto& o = s.state().opts;
  // Hub records carry their own size limit (the codec reports too_large); a frame may hold several.
  return s.hub().raw ? o.max_request_body : std::max<std::size_t>(2 * o.max_message_size, 64 * 1024);
}

// Accepts the upgrade with Beast, then hands the socket to the link (keeps Beast's handshake checks and errors).
class websocket_accept : public std::enable_shared_from_this<websocket_accept> {
 public:
  websocket_accept(tcp::socket&& socket, std::shared_ptr<session> s, bool resume, tcp_ticket_ptr ticket)
      : ws_(std::move(socket)), s_(std::move(s)), resume_(resume), ticket_(std::move(ticket)) {}

  void start(http::request<http::string_body> req) {
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(5);
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "actorhub"); }));
    req_ = std::move(req);
    ws_.async_accept(req_, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

 private:
  void on_accept(beast::error_code ec);

  websocket::stream<beast::tcp_stream> ws_;
  http::request<http::string_body> req_;
  std::shared_ptr<session> s_;
  bool resume_;
  tcp_ticket_ptr ticket_;
};

class websocket_link final : public transport_link, public std::enable_shared_from_this<websocket_link> {
 public:
  websocket_link(tcp::socket&& socket, std::shared_ptr<session> s, bool resume, tcp_ticket_ptr ticket)
      : sock_(std::move(socket)),
        s_(std::move(s)),
        ticket_(std::move(ticket)),
        reader_(max_message(*s_)),
        resume_(resume),
        single_thread_(s_->state().opts.io_threads <= 1) {}

  void start() {
    beast::error_code ec;
    sock_.non_blocking(true, ec);
    sock_.set_option(tcp::no_delay(true), ec);
    if (resume_) {
      s_->resume(shared_from_this());
    } else {
      s_->attach(shared_from_this());
    }
    arm_read();
  }

  void wake() override {
    if (single_thread_) {
      s_->state().wakes.push(shared_from_this());
    } else {
      net::post(sock_.get_executor(), [self = shared_from_this()] { self->flush(); });
    }
  }

  void on_wake() override { flush(); }

  void abort() override {
    net::post(sock_.get_executor(), [self = shared_from_this()] { self->close_socket(); });
  }

 private:
  // ---- reading

  // Reads through the reactor into the link's small buffer: a typical frame arrives whole in that one read
  // (Asio skips the speculative attempt after a short read, so arming costs no system call). A full small
  // buffer means more may be waiting: the rest is read synchronously into the I/O thread's buffer.
  // (A bare async_wait would cost an epoll_ctl per arming in Asio's reactor.)
  void arm_read() {
    if (gone_) return;
    sock_.async_read_some(net::buffer(small_),
                          net::bind_allocator(read_allocator(&read_op_),
                                              [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                                self->on_readable(ec, n);
                                              }));
  }

  void on_readable(beast::error_code ec, std::size_t n) {
    if (gone_) return;
    if (ec) {
      ended(false, ec == net::error::eof ? std::string("The client closed the connection.") : ec.message());
      return;
    }
    char* buf = thread_read_buffer();
    std::memcpy(buf, small_.data(), n);
    std::size_t have = n;
    bool more = n == small_.size();
    for (int turn = 0; more;) {
      std::size_t got = sock_.read_some(net::buffer(buf + have, read_chunk - have), ec);
      if (ec == net::error::would_block || ec == net::error::try_again) break;
      if (ec) {
        if (have && !consume(buf, have)) return;
        ended(false, ec == net::error::eof ? std::string("The client closed the connection.") : ec.message());
        return;
      }
      have += got;
      if (have < read_chunk) break;  // a short read: drained for now
      if (!consume(buf, have)) return;
      have = 0;
      if (++turn == reads_per_turn) break;  // a flooding client: the re-armed read continues after the others
    }
    if (have && !consume(buf, have)) return;
    if (reader_.idle()) reader_.shrink();
    arm_read();
  }

  // Feeds bytes to the frame reader; false when the link is ending.
  bool consume(char* data, std::size_t n) {
    auto failure = reader_.feed(data, n, [this](const ws::event& e) { return on_event(e); });
    if (failure) {
      fail(*failure);
      return false;
    }
    return !gone_ && !peer_closed_;
  }

  bool on_event(const ws::event& e) {
    switch (e.what) {
      case ws::event::kind::message:
        if (!close_sent_) s_->on_data(e.payload, e.binary);
        return !gone_;
      case ws::event::kind::ping:
        // Only the latest unanswered Ping gets its Pong (RFC 6455 5.5.3): a client that pings without reading
        // cannot make this grow.
        pong_ = ws::pong_frame(e.payload);
        flush();
        return !gone_;
      case ws::event::kind::pong:
        return true;
      case ws::event::kind::close:
        peer_closed(e.close_code);
        return false;
    }
    return true;
  }

  // The client's Close: answer it (unless ours already went out), then end the TCP connection once written.
  void peer_closed(std::uint16_t code) {
    peer_closed_ = true;
    if (close_sent_) {
      ended(true, std::nullopt);
      return;
    }
    control_ += ws::close_frame(code, {});  // echo the code (none: an empty Close)
    close_after_write_ = true;
    reported_ = true;
    s_->transport_closed(shared_from_this(), true, std::nullopt);
    flush();
  }

  // The client broke the protocol: Close with the reason, then drop the connection.
  void fail(const ws::failure& f) {
    if (!close_sent_) {
      control_ += ws::close_frame(f.code, f.reason);
      close_after_write_ = true;
      flush();  // a short frame: goes out now unless the socket buffer is full
    }
    reported_ = true;
    s_->abort("WebSocket protocol error: " + f.reason, close_cause::protocol_error);
  }

  // The transport is gone; the session learns it once.
  void ended(bool graceful, std::optional<std::string> error) {
    close_socket();
    if (reported_) return;
    reported_ = true;
    s_->transport_closed(shared_from_this(), graceful, std::move(error));
  }

  // ---- writing

  void flush() {
    if (writing_ || gone_) return;
    for (;;) {
      if (next_ == bufs_.size() && !prepare()) return;
      beast::error_code ec;
      std::size_t n = sock_.write_some(window(), ec);
      if (ec == net::error::would_block || ec == net::error::try_again) {
        // The socket buffer is full: Asio retries when it is writable (the session's send timeout guards it).
        writing_ = true;
        sock_.async_write_some(window(), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
          self->writing_ = false;
          if (self->gone_) return;
          if (ec) {
            self->ended(false, ec.message());
            return;
          }
          self->advance(n);
          self->flush();
        });
        return;
      }
      if (ec) {
        ended(false, ec.message());
        return;
      }
      advance(n);
    }
  }

  // Builds the next write: pending control frames first, then everything the session has queued. False when
  // there is nothing to write (or the link ends here).
  bool prepare() {
    complete_write();
    if (gone_) return false;
    if (!pong_.empty() || !control_.empty()) {
      control_out_.swap(pong_);
      pong_.clear();
      control_out_ += control_;
      control_.clear();
      bufs_.push_back(net::buffer(control_out_));
    }
    if (!close_sent_ && !peer_closed_ && s_->take(this, batch_)) {
      if (batch_.finishing) {
        // The session is done: our Close, then wait for the client's (the session's closing grace bounds it).
        control_out_ += ws::close_frame(batch_.close_code, batch_.close_code == 1000 ? "" : "slow consumer");
        bufs_.assign(1, net::buffer(control_out_));
        close_sent_ = true;
      } else {
        frame_batch();
      }
    }
    next_ = 0;
    offset_ = 0;
    return !bufs_.empty();
  }

  // Hub sessions: every queued record in ONE frame. Raw sessions: one frame per item.
  void frame_batch() {
    const auto& items = batch_.items;
    std::size_t frames = s_->coalesces() ? 1 : items.size();
    headers_.resize(frames);
    std::size_t item = 0;
    for (std::size_t f = 0; f < frames; ++f) {
      std::size_t end = s_->coalesces() ? items.size() : item + 1;
      std::uint64_t len = 0;
      for (std::size_t i = item; i < end; ++i) len += items[i].bytes->size();
      auto op = items[item].binary ? ws::opcode::binary : ws::opcode::text;
      auto hn = ws::encode_header(headers_[f].data(), op, len);
      bufs_.push_back(net::buffer(headers_[f].data(), hn));
      for (std::size_t i = item; i < end; ++i) bufs_.push_back(net::buffer(*items[i].bytes));
      item = end;
    }
  }

  // The previous write finished: tell the session, end the link after a final Close.
  void complete_write() {
    bool had_data = !batch_.items.empty();
    bufs_.clear();
    next_ = offset_ = 0;
    control_out_.clear();
    if (had_data) {
      s_->written(this, batch_.bytes, batch_.messages);
      batch_.items.clear();
      if (batch_.items.capacity() > 64) std::vector<outbound_item>().swap(batch_.items);
    }
    if (close_after_write_ && control_.empty()) {
      // (Our reply to the client's Close, or the Close after a protocol error, is out.)
      close_after_write_ = false;
      ended(true, std::nullopt);
    }
    if (bufs_.capacity() > 4 * max_iov) std::vector<net::const_buffer>().swap(bufs_);
  }

  // Up to max_iov buffers from the current position. Built per write (Asio copies it into a pending
  // operation), not kept: it would be 1 KB per idle link.
  using buffer_window = std::array<net::const_buffer, max_iov>;
  buffer_window window() const {
    buffer_window w;
    std::size_t k = 0;
    for (std::size_t i = next_; i < bufs_.size() && k < max_iov; ++i, ++k) {
      w[k] = bufs_[i];
      if (i == next_) w[k] += offset_;
    }
    for (; k < max_iov; ++k) w[k] = net::const_buffer();
    return w;
  }

  void advance(std::size_t n) {
    while (n > 0 && next_ < bufs_.size()) {
      std::size_t left = bufs_[next_].size() - offset_;
      if (n < left) {
        offset_ += n;
        return;
      }
      n -= left;
      ++next_;
      offset_ = 0;
    }
    while (next_ < bufs_.size() && bufs_[next_].size() == 0) ++next_;
  }

  void close_socket() {
    gone_ = true;
    beast::error_code ec;
    if (!sock_.is_open()) return;
    sock_.shutdown(tcp::socket::shutdown_both, ec);
    sock_.close(ec);
  }

  tcp::socket sock_;
  std::shared_ptr<session> s_;
  tcp_ticket_ptr ticket_;  // counts the TCP connection while the link lives
  ws::reader reader_;
  std::array<char, 256> small_;               // what the reactor reads into (see arm_read)
  inline_slot<read_op_size> read_op_;         // the pending read operation itself
  session::batch batch_;                      // the records being written (kept alive until written)
  std::vector<std::array<char, 10>> headers_;  // frame headers of the current write
  std::vector<net::const_buffer> bufs_;        // the current write: control frames, then header(s) + records
  std::string pong_;         // the Pong waiting for the current write to finish (at most one)
  std::string control_;      // Close frames waiting for the current write to finish (at most two)
  std::string control_out_;  // control frames in the current write
  std::size_t next_ = 0;     // first unwritten buffer of bufs_
  std::size_t offset_ = 0;   // bytes of bufs_[next_] already written
  bool resume_;
  bool single_thread_;  // one I/O thread: wake-ups go through the server's wake_queue
  bool writing_ = false;            // waiting for the socket to become writable
  bool close_sent_ = false;         // our Close frame is queued: no more data frames
  bool peer_closed_ = false;        // the client's Close arrived
  bool close_after_write_ = false;  // end the TCP connection once the pending control frames are out
  bool reported_ = false;           // the session was told the transport ended
  bool gone_ = false;               // the socket is closed
};


// WSS: Beast's WebSocket stream over the TLS stream does the framing, pings and close handshake; the link
// moves the session's batches and the client's messages. Writes are asynchronous (one at a time).
class tls_websocket_link final : public transport_link, public std::enable_shared_from_this<tls_websocket_link> {
  using tls_stream = beast::ssl_stream<beast::tcp_stream>;

 public:
  tls_websocket_link(tls_stream&& stream, std::shared_ptr<session> s, bool resume, tcp_ticket_ptr ticket)
      : ws_(std::move(stream)), s_(std::move(s)), resume_(resume), ticket_(std::move(ticket)) {}

  void start(http::request<http::string_body> req) {
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(5);
    t.idle_timeout = websocket::stream_base::none();  // the session's timeouts apply
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "actorhub"); }));
    ws_.read_message_max(max_message(*s_));
    ws_.auto_fragment(false);
    req_ = std::move(req);
    ws_.async_accept(req_, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

  void keep(std::shared_ptr<void> tls_context) { tls_ctx_ = std::move(tls_context); }

  void wake() override {
    net::post(ws_.get_executor(), [self = shared_from_this()] { self->flush(); });
  }

  void abort() override {
    net::post(ws_.get_executor(), [self = shared_from_this()] { self->close_socket(); });
  }

 private:
  void on_accept(beast::error_code ec) {
    http::request<http::string_body>().swap(req_);
    if (ec) {
      close_socket();
      if (!resume_) s_->abort(std::nullopt, close_cause::handshake);
      return;
    }
    if (resume_) {
      s_->resume(shared_from_this());
    } else {
      s_->attach(shared_from_this());
    }
    read();
  }

  void read() {
    if (gone_) return;
    ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (gone_) return;
    if (ec) {
      if (ec == websocket::error::closed) {
        ended(true, std::nullopt);  // the client's Close (Beast answered it)
      } else if (&ec.category() == &websocket::make_error_code(websocket::error::closed).category()) {
        // RFC 6455 violation: Beast has sent the Close (1002/1007/1009) where it could.
        reported_ = true;
        close_socket();
        s_->abort("WebSocket protocol error: " + ec.message(), close_cause::protocol_error);
      } else {
        ended(false, ec == net::error::eof ? std::string("The client closed the connection.") : ec.message());
      }
      return;
    }
    bool binary = ws_.got_binary();
    if (resume_) {
      // A resumed session lives on the old connection's strand: hand its data over there, in order.
      net::post(s_->executor(), [s = s_, data = beast::buffers_to_string(in_.data()), binary] { s->on_data(data, binary); });
    } else {
      auto d = in_.data();
      s_->on_data(std::string_view(static_cast<const char*>(d.data()), d.size()), binary);
    }
    in_.consume(in_.size());
    if (in_.capacity() > 64 * 1024) in_.shrink_to_fit();
    read();
  }

  void flush() {
    if (writing_ || gone_ || close_sent_) return;
    if (!s_->take(this, batch_)) return;
    if (batch_.finishing) {
      close_sent_ = true;
      writing_ = true;
      websocket::close_reason why(batch_.close_code);
      if (batch_.close_code != 1000) why.reason = "slow consumer";
      ws_.async_close(why, [self = shared_from_this()](beast::error_code) {
        self->writing_ = false;
        self->ended(true, std::nullopt);
      });
      return;
    }
    next_item_ = 0;
    write_next();
  }

  // Hub sessions: the whole batch as one message; raw sessions: one message per item.
  void write_next() {
    const auto& items = batch_.items;
    bufs_.clear();
    std::size_t end = s_->coalesces() ? items.size() : next_item_ + 1;
    for (std::size_t i = next_item_; i < end; ++i) bufs_.push_back(net::buffer(*items[i].bytes));
    ws_.binary(items[next_item_].binary);
    next_item_ = end;
    writing_ = true;
    ws_.async_write(bufs_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      if (ec) {
        self->ended(false, ec.message());
        return;
      }
      if (self->next_item_ < self->batch_.items.size()) {
        self->write_next();
        return;
      }
      self->s_->written(self.get(), self->batch_.bytes, self->batch_.messages);
      self->batch_.items.clear();
      self->flush();
    });
  }

  void ended(bool graceful, std::optional<std::string> error) {
    close_socket();
    if (reported_) return;
    reported_ = true;
    s_->transport_closed(shared_from_this(), graceful, std::move(error));
  }

  void close_socket() {
    gone_ = true;
    auto& sock = beast::get_lowest_layer(ws_).socket();
    beast::error_code ec;
    if (!sock.is_open()) return;
    sock.shutdown(tcp::socket::shutdown_both, ec);
    sock.close(ec);
  }

  std::shared_ptr<void> tls_ctx_;  // the TLS context the connection was made with (outlives ws_)
  websocket::stream<tls_stream> ws_;
  std::shared_ptr<session> s_;
  bool resume_;
  tcp_ticket_ptr ticket_;
  http::request<http::string_body> req_;
  beast::flat_buffer in_;
  session::batch batch_;
  std::vector<net::const_buffer> bufs_;
  std::size_t next_item_ = 0;
  bool writing_ = false;
  bool close_sent_ = false;
  bool reported_ = false;
  bool gone_ = false;
};

void websocket_accept::on_accept(beast::error_code ec) {
  http::request<http::string_body>().swap(req_);
  if (ec) {
    beast::error_code ignored;
    auto& sock = beast::get_lowest_layer(ws_).socket();
    sock.shutdown(tcp::socket::shutdown_both, ignored);
    sock.close(ignored);
    if (!resume_) s_->abort(std::nullopt, close_cause::handshake);
    return;
  }
  // The handshake is done and nothing of the connection's frames was read: the bare socket is all there is.
  auto link = std::make_shared<websocket_link>(beast::get_lowest_layer(ws_).release_socket(), std::move(s_), resume_,
                                               std::move(ticket_));
  link->start();
}

}  // namespace

void start_websocket_tls(beast::ssl_stream<beast::tcp_stream>&& stream, http::request<http::string_body> req,
                         std::shared_ptr<session> s, bool resume, tcp_ticket_ptr ticket,
                         std::shared_ptr<void> tls_context) {
  auto link = std::make_shared<tls_websocket_link>(std::move(stream), std::move(s), resume, std::move(ticket));
  link->keep(std::move(tls_context));
  link->start(std::move(req));
}

void start_websocket(tcp::socket socket, http::request<http::string_body> req, std::shared_ptr<session> s,
                     bool resume, tcp_ticket_ptr ticket) {
  if (resume) {
    // Move the connection onto the resumed session's strand, so its frames stay ordered with the old ones.
    beast::error_code ec;
    auto protocol = socket.local_endpoint(ec).protocol();
    auto handle = ec ? -1 : socket.release(ec);
    if (ec) return;
    tcp::socket moved(s->executor());
    moved.assign(protocol, handle, ec);
    if (ec) return;
    socket = std::move(moved);
  }
  std::make_shared<websocket_accept>(std::move(socket), std::move(s), resume, std::move(ticket))->start(std::move(req));
}

}  // namespace actorhub::transport
