// One accepted HTTP connection (see http_session.hpp): keep-alive requests with header/body limits and an
// idle timeout, routing (hubs, custom routes, /healthz, static files), deferred responses, the
// WebSocket hand-off, and the Server-Sent Events stream (this session then is the SSE transport link).
#include "net/transport/http_session.hpp"

#include <atomic>
#include <chrono>
#include <optional>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "net/transport/cors.hpp"
#include "net/transport/forward.hpp"
#include "net/transport/http_util.hpp"
#include "net/transport/hub_routes.hpp"
#include "net/transport/server_state.hpp"
#include "net/transport/session.hpp"
#include "net/transport/static_files.hpp"
#include "net/transport/tls.hpp"
#include "net/transport/websocket_session.hpp"

namespace actorhub::transport {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

using request_t = http::request<http::string_body>;

http_request to_plain(request_t& req, bool take_body) {
  http_request r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  auto split = split_target(r.target);
  r.path = std::move(split.path);
  r.query = std::move(split.query);
  r.headers.reserve(std::distance(req.begin(), req.end()));
  for (const auto& f : req) r.headers.emplace_back(to_lower(f.name_string()), std::string(f.value()));
  if (take_body) r.body = std::move(req.body());
  return r;
}

void append_chunk(std::string& out, std::string_view body) {
  static constexpr char hex[] = "0123456789abcdef";
  char buf[20];
  int n = 0;
  std::size_t v = body.size();
  do {
    buf[n++] = hex[v & 15];
    v >>= 4;
  } while (v);
  while (n) out.push_back(buf[--n]);
  out += "\r\n";
  out.append(body);
  out += "\r\n";
}

// One SSE event: every line of `payload` as a `data:` line, then a blank line.
void append_event(std::string& out, std::string_view payload) {
  std::size_t pos = 0;
  for (;;) {
    auto nl = payload.find('\n', pos);
    std::string_view line = payload.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out += "data: ";
    out.append(line);
    out += "\r\n";
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  out += "\r\n";
}

bool accepts_event_stream(const http_request& req) {
  for (const auto& [k, v] : req.headers)
    if (k == "accept" && to_lower(v).find("text/event-stream") != std::string::npos) return true;
  return false;
}

using tls_stream = beast::ssl_stream<beast::tcp_stream>;
constexpr bool is_tls(const beast::tcp_stream*) { return false; }
constexpr bool is_tls(const tls_stream*) { return true; }

// The same session serves plain HTTP (Stream = tcp_stream) and HTTPS (Stream = ssl_stream<tcp_stream>).
template <class Stream>
class http_session final : public transport_link, public std::enable_shared_from_this<http_session<Stream>> {
  using std::enable_shared_from_this<http_session<Stream>>::shared_from_this;
  static constexpr bool tls = is_tls(static_cast<const Stream*>(nullptr));

 public:
  template <class... TlsContext>
  http_session(tcp::socket&& socket, std::shared_ptr<server_state> st, tcp_ticket_ptr ticket, std::string buffered,
               TlsContext&... ctx)
      : stream_(beast::tcp_stream(std::move(socket)), ctx...), st_(std::move(st)), ticket_(std::move(ticket)) {
    if (st_->opts.tcp_send_buffer > 0) {
      beast::error_code ec;
      lowest().socket().set_option(net::socket_base::send_buffer_size(st_->opts.tcp_send_buffer), ec);
    }
    // Bytes already read from the socket (a connection handed back after a forwarded request).
    if (!buffered.empty())
      buffer_.commit(net::buffer_copy(buffer_.prepare(buffered.size()), net::buffer(buffered)));
  }

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if constexpr (tls) {
        self->lowest().expires_after(self->st_->opts.tls_handshake_timeout);
        self->stream_.async_handshake(net::ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) {
            self->close_socket();  // not TLS, a certificate the client refused, or too slow
            return;
          }
          self->read();
        });
      } else {
        self->read();
      }
    });
  }

  // HTTPS: keeps the TLS context alive as long as the connection (a reload may replace the server's).
  void keep(std::shared_ptr<net::ssl::context> ctx) { tls_ctx_ = std::move(ctx); }

  // transport_link (SSE mode only)
  void wake() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->flush(); });
  }
  void abort() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->close_socket(); });
  }

 private:
  // Completes a deferred request once, from any thread; a responder dropped unanswered sends 500.
  struct responder_state {
    explicit responder_state(std::shared_ptr<http_session<Stream>> s) : session(std::move(s)) {}
    ~responder_state() {
      if (!done.exchange(true)) {
        http_response r = text_response(500, "The request was not answered");
        net::post(session->stream_.get_executor(), [s = session, r = std::move(r)]() mutable {
          s->respond(std::move(r));
        });
      }
    }
    std::shared_ptr<http_session<Stream>> session;
    std::atomic<bool> done{false};
  };

  http_responder make_responder() {
    auto state = std::make_shared<responder_state>(shared_from_this());
    return [state](http_response r) {
      if (state->done.exchange(true)) return;
      net::post(state->session->stream_.get_executor(), [s = state->session, r = std::move(r)]() mutable {
        s->respond(std::move(r));
      });
    };
  }

  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(st_->opts.max_header_bytes));
    parser_->body_limit(st_->opts.max_request_body);
    // Waiting for the next request on a keep-alive connection: the idle timeout. Once its first bytes are
    // here, the whole request (header and body) must arrive within the read timeout (no slowloris).
    lowest().expires_after(buffer_.size() ? st_->opts.request_read_timeout : st_->opts.request_idle_timeout);
    if (buffer_.size()) {
      read_request();
      return;
    }
    stream_.async_read_some(buffer_.prepare(1024), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec) {
        self->close_socket();
        return;
      }
      self->buffer_.commit(n);
      self->lowest().expires_after(self->st_->opts.request_read_timeout);
      self->read_request();
    });
  }

  void read_request() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      keep_alive_ = false;
      head_ = false;
      if (ec == http::error::body_limit) {
        st_->rejected(limit_kind::body_size);
        respond(text_response(413, "Request body too large"));
      } else if (ec == http::error::header_limit) {
        st_->rejected(limit_kind::header_size);
        respond(text_response(431, "Request header fields too large"));
      } else if (ec != http::error::end_of_stream && &ec.category() == &http::make_error_code(http::error::bad_target).category() &&
                 ec != http::error::partial_message) {
        respond(text_response(400, "Bad Request"));
      } else {
        close_socket();
      }
      return;
    }
    if (st_->stopping.load()) keep_alive_ = false;
    std::size_t fields = 0;
    for (auto it = parser_->get().begin(); it != parser_->get().end(); ++it) ++fields;
    if (fields > st_->opts.max_header_count) {
      keep_alive_ = false;
      head_ = false;
      st_->rejected(limit_kind::header_count);
      respond(text_response(431, "Too many request header fields"));
      return;
    }
    handle();
  }

  void handle() {
    request_t& req = parser_->get();
    version_ = req.version();
    keep_alive_ = req.keep_alive() && !st_->stopping.load();
    head_ = req.method() == http::verb::head;
    bool upgrade = beast::websocket::is_upgrade(req);
    http_request plain = to_plain(req, !upgrade);
    auto target = match_hub(*st_, plain.path);
    if (target.hub) {
      const hub_entry& hub = *target.hub;
      if (req.method() == http::verb::options) {
        auto r = preflight(st_->opts, plain, tls);
        if (r.status == 403) st_->rejected(limit_kind::origin);
        respond(std::move(r));
        return;
      }
      auto cors = check_origin(st_->opts, plain, tls);
      if (!cors.allowed) {
        st_->rejected(limit_kind::origin);
        respond(text_response(403, "Origin not allowed"));
        return;
      }
      cors_headers_ = std::move(cors.headers);
      if (target.negotiate) {
        respond(negotiate(*st_, hub, plain));
      } else if (auto to = forward_address(*st_, plain)) {
        forward(hub, std::move(plain), upgrade, std::move(*to));
      } else if (upgrade) {
        upgrade_websocket(hub, plain);
      } else if (req.method() == http::verb::get && accepts_event_stream(plain)) {
        open_sse(hub, plain);
      } else if (req.method() == http::verb::get) {
        long_poll(st_, hub, plain, make_responder());
      } else if (req.method() == http::verb::post) {
        post_data(st_, hub, plain, make_responder());
      } else if (req.method() == http::verb::delete_) {
        delete_connection(st_, hub, plain, make_responder());
      } else {
        respond(text_response(405, "Method Not Allowed"));
      }
      return;
    }
    if (upgrade) {
      respond(text_response(404, "Not Found"));
      return;
    }
    if (const http_handler* route = st_->find_route(plain.path)) {
      try {
        (*route)(plain, make_responder());
      } catch (...) {
        // the responder's guard answers 500 if the handler did not
      }
      return;
    }
    bool get = req.method() == http::verb::get || head_;
    if (get && plain.path == "/healthz") {
      http_response r;
      r.content_type = "application/json";
      r.body = st_->health ? st_->health() : std::string(R"({"status":"ok"})");
      respond(std::move(r));
      return;
    }
    if (get) {
      for (const auto& mount : st_->statics) {
        if (auto r = serve_static_file(mount.prefix, mount.dir, plain.path)) {
          respond(std::move(*r));
          return;
        }
      }
    }
    respond(text_response(404, "Not Found"));
  }

  void respond(http_response r) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(version_);
    res->result(static_cast<unsigned>(r.status));
    res->set(http::field::server, "actorhub");
    if (!r.content_type.empty()) res->set(http::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res->insert(k, v);
    for (const auto& [k, v] : cors_headers_) res->insert(k, v);
    cors_headers_.clear();
    res->keep_alive(keep_alive_);
    std::size_t n = r.body.size();
    res->body() = std::move(r.body);
    res->prepare_payload();
    if (head_) {
      res->body().clear();
      res->content_length(n);
    }
    res_ = res;
    lowest().expires_after(st_->opts.send_timeout);
    http::async_write(stream_, *res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->res_.reset();
      if (ec || !self->keep_alive_) {
        self->close_socket();
        return;
      }
      self->read();
    });
  }

  // A connection hosted by another endpoint: the proxy takes the socket over (and gives it back for keep-alive).
  // Over TLS the proxy would have to relay the decrypted stream; it does not (yet): terminate TLS in front of
  // a cluster's nodes (docs/cluster.md) or connect to the hosting node.
  void forward(const hub_entry& hub, http_request plain, bool upgrade, std::string address) {
    if constexpr (tls) {
      (void)hub, (void)plain, (void)upgrade, (void)address;
      respond(text_response(502, "This connection is hosted by another node, and requests over TLS are not "
                                 "forwarded: terminate TLS in front of the cluster"));
    } else {
      lowest().expires_never();
      auto buffered = beast::buffers_to_string(buffer_.data());
      start_forward(stream_.release_socket(), st_, hub, std::move(plain), version_, keep_alive_, upgrade,
                    std::move(address), std::move(buffered), std::move(ticket_));
    }
  }

  void upgrade_websocket(const hub_entry& hub, const http_request& plain) {
    auto open = open_transport(st_, hub, plain, transport_kind::websockets, stream_.get_executor());
    if (open.refused) {
      respond(std::move(*open.refused));
      return;
    }
    lowest().expires_never();
    if constexpr (tls) {
      start_websocket_tls(std::move(stream_), parser_->release(), std::move(open.s), open.resume, std::move(ticket_),
                          tls_ctx_);
    } else {
      start_websocket(stream_.release_socket(), parser_->release(), std::move(open.s), open.resume, std::move(ticket_));
    }
  }

  // ---- Server-Sent Events: this HTTP session becomes the session's transport link.
  void open_sse(const hub_entry& hub, const http_request& plain) {
    auto open = open_transport(st_, hub, plain, transport_kind::server_sent_events, {});
    if (open.refused) {
      respond(std::move(*open.refused));
      return;
    }
    sse_ = std::move(open.s);
    chunked_ = version_ >= 11;
    lowest().expires_never();
    out_ = "HTTP/1.";
    out_ += chunked_ ? "1" : "0";
    out_ += " 200 OK\r\nServer: actorhub\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            "X-Accel-Buffering: no\r\n";
    out_ += chunked_ ? "Transfer-Encoding: chunked\r\n\r\n" : "Connection: close\r\n\r\n";
    // A first blank line so that clients see the stream open before any event.
    if (chunked_) {
      append_chunk(out_, "\r\n");
    } else {
      out_ += "\r\n";
    }
    writing_ = true;
    net::async_write(stream_, net::buffer(out_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      if (ec) {
        self->close_socket();
        self->sse_->abort(std::nullopt, close_cause::client);  // never attached: end it here
        return;
      }
      self->sse_->attach(self);
      self->watch_sse();
      self->flush();
    });
  }

  // The client ends an event stream by closing the connection; a pending read notices.
  void watch_sse() {
    stream_.async_read_some(net::buffer(probe_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->sse_gone(ec == net::error::eof, ec);
        return;
      }
      self->watch_sse();  // bytes on an event stream are ignored
    });
  }

  void flush() {
    if (!sse_ || writing_ || sse_done_) return;
    if (!sse_->take(this, batch_)) return;
    out_.clear();
    if (batch_.finishing) {
      sse_done_ = true;
      if (chunked_) out_ = "0\r\n\r\n";
      writing_ = true;
      net::async_write(stream_, net::buffer(out_), [self = shared_from_this()](beast::error_code, std::size_t) {
        self->writing_ = false;
        self->close_socket();
        self->sse_->transport_closed(self, true, std::nullopt);
      });
      return;
    }
    std::string events;
    if (sse_->coalesces()) {
      std::string payload;
      payload.reserve(batch_.bytes);
      for (const auto& item : batch_.items) payload.append(*item.bytes);
      append_event(events, payload);
    } else {
      for (const auto& item : batch_.items) append_event(events, *item.bytes);
    }
    if (chunked_) {
      append_chunk(out_, events);
    } else {
      out_ = std::move(events);
    }
    writing_ = true;
    net::async_write(stream_, net::buffer(out_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      self->sse_->written(self.get(), self->batch_.bytes, self->batch_.messages);
      self->batch_.items.clear();
      if (self->out_.capacity() > 64 * 1024) std::string().swap(self->out_);
      if (ec) {
        self->sse_gone(false, ec);
        return;
      }
      self->flush();
    });
  }

  void sse_gone(bool graceful, beast::error_code ec) {
    close_socket();
    if (sse_) sse_->transport_closed(shared_from_this(), graceful, graceful ? std::nullopt : std::optional<std::string>(ec.message()));
  }

  // No TLS close_notify: the connection ends either way, and waiting for the peer's would need a timeout.
  void close_socket() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  Stream stream_;
  std::shared_ptr<server_state> st_;
  tcp_ticket_ptr ticket_;  // counts the TCP connection while this session (or its WebSocket) owns it
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> res_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_ = false;

  std::shared_ptr<net::ssl::context> tls_ctx_;  // HTTPS: the context this connection was made with
  std::vector<std::pair<std::string, std::string>> cors_headers_;  // for the current request's response

  // SSE mode
  std::shared_ptr<session> sse_;
  session::batch batch_;
  std::string out_;
  char probe_[64];
  bool chunked_ = true;
  bool writing_ = false;
  bool sse_done_ = false;
};

}  // namespace

void start_http_session(tcp::socket socket, std::shared_ptr<server_state> st, tcp_ticket_ptr ticket,
                        std::string buffered) {
  if (st->tls) {
    if (auto ctx = st->tls->context()) {
      auto s = std::make_shared<http_session<tls_stream>>(std::move(socket), st, std::move(ticket), std::move(buffered),
                                                          *ctx);
      s->keep(std::move(ctx));
      s->run();
    }
    return;
  }
  std::make_shared<http_session<beast::tcp_stream>>(std::move(socket), std::move(st), std::move(ticket),
                                                    std::move(buffered))
      ->run();
}

}  // namespace actorhub::transport
