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
#include <boost/beast/websocket/rfc6455.hpp>

#include "net/transport/forward.hpp"
#include "net/transport/http_util.hpp"
#include "net/transport/hub_routes.hpp"
#include "net/transport/server_state.hpp"
#include "net/transport/session.hpp"
#include "net/transport/static_files.hpp"
#include "net/transport/websocket_session.hpp"

namespace actorhub::transport {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::chrono::seconds idle_timeout{60};  // between requests on a keep-alive connection
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

class http_session final : public transport_link, public std::enable_shared_from_this<http_session> {
 public:
  http_session(tcp::socket&& socket, std::shared_ptr<server_state> st, std::string buffered)
      : stream_(std::move(socket)), st_(std::move(st)) {
    if (!buffered.empty())
      buffer_.commit(net::buffer_copy(buffer_.prepare(buffered.size()), net::buffer(buffered)));
  }

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

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
    explicit responder_state(std::shared_ptr<http_session> s) : session(std::move(s)) {}
    ~responder_state() {
      if (!done.exchange(true)) {
        http_response r = text_response(500, "The request was not answered");
        net::post(session->stream_.get_executor(), [s = session, r = std::move(r)]() mutable {
          s->respond(std::move(r));
        });
      }
    }
    std::shared_ptr<http_session> session;
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
    stream_.expires_after(idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      keep_alive_ = false;
      head_ = false;
      if (ec == http::error::body_limit) {
        respond(text_response(413, "Request body too large"));
      } else if (ec == http::error::header_limit) {
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
    res->keep_alive(keep_alive_);
    std::size_t n = r.body.size();
    res->body() = std::move(r.body);
    res->prepare_payload();
    if (head_) {
      res->body().clear();
      res->content_length(n);
    }
    res_ = res;
    stream_.expires_after(st_->opts.send_timeout);
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
  void forward(const hub_entry& hub, http_request plain, bool upgrade, std::string address) {
    stream_.expires_never();
    auto buffered = beast::buffers_to_string(buffer_.data());
    start_forward(stream_.release_socket(), st_, hub, std::move(plain), version_, keep_alive_, upgrade,
                  std::move(address), std::move(buffered));
  }

  void upgrade_websocket(const hub_entry& hub, const http_request& plain) {
    auto open = open_transport(st_, hub, plain, transport_kind::websockets, stream_.get_executor());
    if (open.refused) {
      respond(std::move(*open.refused));
      return;
    }
    stream_.expires_never();
    start_websocket(stream_.release_socket(), parser_->release(), std::move(open.s), open.resume);
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
    stream_.expires_never();
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
        self->sse_->abort(std::nullopt, close_cause::normal);  // never attached: end it here
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

  void close_socket() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<server_state> st_;
  std::shared_ptr<http::response<http::string_body>> res_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_ = false;

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

void start_http_session(tcp::socket socket, std::shared_ptr<server_state> st, std::string buffered) {
  std::make_shared<http_session>(std::move(socket), std::move(st), std::move(buffered))->run();
}

}  // namespace actorhub::transport
