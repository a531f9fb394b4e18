// The WebSocket transport of one session (see websocket_session.hpp).
#include "net/transport/websocket_session.hpp"

#include <algorithm>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "net/transport/session.hpp"

namespace actorhub::transport {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t keep_read_buffer = 4096;  // larger read buffers are released after use (idle connections stay small)

class websocket_link final : public transport_link, public std::enable_shared_from_this<websocket_link> {
 public:
  websocket_link(tcp::socket&& socket, std::shared_ptr<session> s, bool resume)
      : ws_(std::move(socket)), s_(std::move(s)), resume_(resume) {}

  void start(http::request<http::string_body> req) {
    const auto& o = s_->state().opts;
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(5);  // opening and closing handshakes
    t.idle_timeout = websocket::stream_base::none();  // the session's sweep owns client timeouts
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "actorhub"); }));
    // Hub records carry their own size limit (the codec reports too_large); a frame may hold several.
    std::size_t max = s_->hub().raw ? o.max_request_body : std::max<std::size_t>(2 * o.max_message_size, 64 * 1024);
    ws_.read_message_max(max);
    ws_.auto_fragment(false);
    beast::get_lowest_layer(ws_).expires_never();
    req_ = std::move(req);
    ws_.async_accept(req_, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

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
      gone_ = true;
      close_socket();
      if (!resume_) s_->abort(std::nullopt, close_cause::normal);
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
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      gone_ = true;
      if (ec == websocket::error::closed || closing_) {
        // (Our own close completing resumes the pending read with operation_aborted.)
        s_->transport_closed(shared_from_this(), true, std::nullopt);
      } else if (&ec.category() == &websocket::make_error_code(websocket::error::closed).category()) {
        // A WebSocket protocol violation (too big, bad UTF-8, ...): not a drop to resume from.
        s_->abort("WebSocket protocol error: " + ec.message(), close_cause::protocol_error);
      } else {
        s_->transport_closed(shared_from_this(), false, ec.message());
      }
      close_socket();
      return;
    }
    auto data = buffer_.cdata();
    s_->on_data(std::string_view(static_cast<const char*>(data.data()), data.size()), ws_.got_binary());
    buffer_.consume(buffer_.size());
    if (buffer_.capacity() > keep_read_buffer) buffer_.shrink_to_fit();
    read();
  }

  void flush() {
    if (writing_ || closing_ || gone_) return;
    if (!s_->take(this, batch_)) return;
    if (batch_.finishing) {
      closing_ = true;
      ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code ec) {
        if (ec) self->close_socket();  // the pending read reports the end to the session
      });
      return;
    }
    next_ = 0;
    write_next();
  }

  // Hub sessions: every queued record in ONE message (a buffer sequence, no copy). Raw: one message per item.
  void write_next() {
    buffers_.clear();
    std::size_t end = s_->coalesces() ? batch_.items.size() : next_ + 1;
    for (std::size_t i = next_; i < end; ++i) buffers_.push_back(net::buffer(*batch_.items[i].bytes));
    ws_.binary(batch_.items[next_].binary);
    next_ = end;
    writing_ = true;
    ws_.async_write(buffers_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    if (!ec && next_ < batch_.items.size()) {
      write_next();
      return;
    }
    s_->written(this, batch_.bytes);
    batch_.items.clear();
    if (batch_.items.capacity() > 64) std::vector<outbound_item>().swap(batch_.items);
    if (ec) {
      close_socket();  // the pending read reports the end to the session
      return;
    }
    flush();
  }

  void close_socket() {
    beast::error_code ec;
    auto& sock = beast::get_lowest_layer(ws_).socket();
    if (!sock.is_open()) return;
    sock.shutdown(tcp::socket::shutdown_both, ec);
    sock.close(ec);
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  std::shared_ptr<session> s_;
  session::batch batch_;
  std::vector<net::const_buffer> buffers_;
  std::size_t next_ = 0;
  bool resume_;
  bool writing_ = false;
  bool closing_ = false;
  bool gone_ = false;
};

}  // namespace

void start_websocket(tcp::socket socket, http::request<http::string_body> req, std::shared_ptr<session> s,
                     bool resume) {
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
  std::make_shared<websocket_link>(std::move(socket), std::move(s), resume)->start(std::move(req));
}

}  // namespace actorhub::transport
