// The reverse proxy for connections hosted by another client endpoint (see forward.hpp).
//
// One forward_proxy per forwarded request, on the client socket's executor (its strand with several I/O threads),
// owning both sockets. Two directions, each with at most one read or one write in flight:
// - down (upstream -> client): the response head is parsed and rewritten, then the body relayed as it arrives,
//   byte for byte, until its framing says it is complete (or, after a 101, until either side closes);
// - up (client -> upstream): the request goes out in one write; afterwards the client is read only to notice
//   that it went away (and to keep what it pipelined), or, after a 101, spliced to the upstream.
// A direction reads into a small buffer, continues into the I/O thread's 64 KiB buffer while more is waiting,
// writes what the other socket takes at once, and keeps only the rest (bounded by one read) until written; it
// reads again only then. One timer checks every deadline (lazily re-armed to the earliest one).
#include "net/transport/forward.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <optional>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <prometheus/counter.h>

#include <actorhub/host_port.hpp>
#include "monitoring/metrics.hpp"
#include "net/transport/http_session.hpp"
#include "net/transport/http_util.hpp"
#include "net/transport/proxy_http.hpp"
#include "net/transport/server_state.hpp"

namespace actorhub::transport {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr std::size_t max_pending = 64 * 1024;     // read from one side and not yet written to the other
constexpr std::size_t small_read = 256;            // what an idle direction's pending read reads into
constexpr std::int64_t connect_timeout_ms = 3000;  // the hosting endpoint must accept within this
constexpr std::int64_t idle_margin_ms = 30'000;    // beyond the longest poll the upstream may hold a request

char* thread_buffer() {
  thread_local std::unique_ptr<char[]> buf(new char[max_pending]);
  return buf.get();
}

bool would_block(const error_code& ec) { return ec == net::error::would_block || ec == net::error::try_again; }

}  // namespace

// ---------------------------------------------------------------------------------------------- forwarding

void forwarding::set_locator(locator_fn f) {
  auto p = f ? std::make_shared<const locator_fn>(std::move(f)) : nullptr;
  std::lock_guard<std::mutex> lk(mu_);
  locator_ = std::move(p);
}

std::shared_ptr<const locator_fn> forwarding::locator() const {
  std::lock_guard<std::mutex> lk(mu_);
  return locator_;
}

void forwarding::add(forward_proxy* p, std::weak_ptr<forward_proxy> w) {
  std::lock_guard<std::mutex> lk(mu_);
  live_.emplace(p, std::move(w));
}

void forwarding::remove(forward_proxy* p) {
  std::lock_guard<std::mutex> lk(mu_);
  live_.erase(p);
}

std::size_t forwarding::live() const {
  std::lock_guard<std::mutex> lk(mu_);
  return live_.size();
}

std::optional<std::string> forward_address(server_state& st, const http_request& req) {
  auto locate = st.forwards.locator();
  if (!locate || !*locate) return std::nullopt;
  auto id = req.query_value("id");
  if (!id || id->empty()) return std::nullopt;
  if (req.header(forwarded_header)) return std::nullopt;  // forwarded once already: answered here, never again
  if (st.connections.find(*id)) return std::nullopt;
  try {
    auto to = (*locate)(*id);
    if (to && !to->empty()) return to;
  } catch (...) {
    // a failing locator knows nothing: served here (404)
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------- the proxy

class forward_proxy : public std::enable_shared_from_this<forward_proxy> {
 public:
  forward_proxy(tcp::socket client, std::shared_ptr<server_state> st, const hub_entry& hub, http_request req,
                unsigned version, bool keep_alive, bool upgrade, std::string address, std::string buffered)
      : st_(std::move(st)),
        metrics_(hub.metrics),
        exec_(client.get_executor()),
        client_(std::move(client)),
        upstream_(exec_),
        timer_(exec_),
        req_(std::move(req)),
        version_(version),
        keep_alive_(keep_alive),
        upgrade_(upgrade),
        address_(std::move(address)),
        carry_(std::move(buffered)) {
    down_.from = &upstream_;
    down_.to = &client_;
    up_.from = &client_;
    up_.to = &upstream_;
    req_method_head_ = req_.method == "HEAD";
  }

  ~forward_proxy() { st_->forwards.remove(this); }

  void start() {
    st_->forwards.add(this, weak_from_this());
    if (metrics_) metrics_->forwarded_requests->Increment();
    error_code ec;
    client_.non_blocking(true, ec);
    client_.set_option(tcp::no_delay(true), ec);  // relayed frames go out as they come (no Nagle delay)
    auto remote = client_.remote_endpoint(ec);
    std::string client_ip = ec ? std::string() : remote.address().to_string();
    head_out_ = upstream_request_head(req_, version_, upgrade_, client_ip);
    const auto& o = st_->opts;
    send_timeout_ms_ = std::max<std::int64_t>(o.send_timeout.count(), 100);
    idle_ms_ = std::max<std::int64_t>(o.poll_timeout.count(), o.keep_alive_interval.count()) + idle_margin_ms;
    if (st_->stopping.load()) {
      fail(503, "The server is shutting down");
      return;
    }
    auto target = parse_host_port(address_);
    if (!target || target->port == 0) {
      fail(502, "Bad Gateway: the connection's node has an invalid address (" + address_ + ")");
      return;
    }
    phase_ = phase::connecting;
    read_client();
    watch(now_ms() + connect_timeout_ms);
    auto self = shared_from_this();
    auto address = net::ip::make_address(target->host, ec);
    if (!ec) {
      upstream_.async_connect(tcp::endpoint(address, target->port), [self](error_code ec) { self->on_connect(ec); });
      return;
    }
    resolver_.emplace(exec_);
    resolver_->async_resolve(target->host, std::to_string(target->port),
                             [self](error_code ec, tcp::resolver::results_type results) {
                               if (self->done_) return;
                               if (ec) {
                                 self->on_connect(ec);
                                 return;
                               }
                               net::async_connect(self->upstream_, results,
                                                  [self](error_code ec, const tcp::endpoint&) { self->on_connect(ec); });
                             });
  }

  // Any thread: both sockets end now.
  void abort() {
    net::post(exec_, [self = shared_from_this()] { self->close_all(); });
  }

 private:
  enum class phase : std::uint8_t { connecting, requesting, head, body, splice, finishing, failing };

  struct direction {
    tcp::socket* from = nullptr;
    tcp::socket* to = nullptr;
    std::array<char, small_read> small;
    std::string pending;          // read from `from`, being written to `to`
    bool reading = false;
    bool writing = false;
    bool eof = false;             // `from` ended
    std::int64_t write_since = 0;  // the pending write waits since (ms)
  };

  // ---- connect and request

  void on_connect(error_code ec) {
    if (done_) return;
    if (ec) {
      fail(502, "Bad Gateway: the node hosting this connection (" + address_ + ") is unreachable: " + ec.message());
      return;
    }
    upstream_.set_option(tcp::no_delay(true), ec);
    upstream_.non_blocking(true, ec);
    phase_ = phase::requesting;
    request_since_ = now_ms();
    watch(request_since_ + send_timeout_ms_);
    std::array<net::const_buffer, 2> bufs{net::buffer(head_out_), net::buffer(req_.body)};
    net::async_write(upstream_, bufs, [self = shared_from_this()](error_code ec, std::size_t n) {
      if (self->done_) return;
      if (ec) {
        self->fail(502, "Bad Gateway: the node hosting this connection (" + self->address_ +
                            ") closed the connection: " + ec.message());
        return;
      }
      self->count(n);
      self->request_since_ = 0;
      self->req_ = http_request{};
      std::string().swap(self->head_out_);
      self->phase_ = phase::head;
      self->upstream_activity_ = now_ms();
      self->watch(self->upstream_activity_ + self->idle_ms_);
      self->read_upstream();
    });
  }

  // ---- reading

  void read_upstream() {
    if (down_.reading || down_.eof || done_) return;
    down_.reading = true;
    upstream_.async_read_some(net::buffer(down_.small), [self = shared_from_this()](error_code ec, std::size_t n) {
      self->down_.reading = false;
      self->on_upstream(ec, n);
    });
  }

  void read_client() {
    if (up_.reading || up_.eof || done_) return;
    up_.reading = true;
    client_.async_read_some(net::buffer(up_.small), [self = shared_from_this()](error_code ec, std::size_t n) {
      self->up_.reading = false;
      self->on_client(ec, n);
    });
  }

  // After a read of `n` bytes into d.small: continues synchronously into the thread's buffer while more is
  // waiting. Returns the bytes (in the thread's buffer); `ec` gets an error met on the way (after some data).
  std::size_t gather(direction& d, std::size_t n, error_code& ec, char*& data) {
    data = thread_buffer();
    std::memcpy(data, d.small.data(), n);
    std::size_t have = n;
    if (n < d.small.size()) return have;
    while (have < max_pending) {
      std::size_t k = d.from->read_some(net::buffer(data + have, max_pending - have), ec);
      if (would_block(ec)) {
        ec = {};
        break;
      }
      if (ec) break;
      have += k;
    }
    return have;
  }

  void on_upstream(error_code ec, std::size_t n) {
    if (done_) return;
    char* data = nullptr;
    std::size_t len = 0;
    if (!ec) {
      len = gather(down_, n, ec, data);
      upstream_activity_ = now_ms();
    }
    if (len) relay_down(data, len);
    if (done_) return;
    if (ec) upstream_ended();
  }

  void on_client(error_code ec, std::size_t n) {
    if (done_) return;
    char* data = nullptr;
    std::size_t len = 0;
    if (!ec) {
      len = gather(up_, n, ec, data);
      client_activity_ = now_ms();
    }
    if (phase_ == phase::finishing) {
      keep(data, len);
      hand_back();
      return;
    }
    if (phase_ == phase::splice) {
      if (len) {
        if (up_.writing) {
          carry_.append(data, len);  // only right after the switch, while the bytes sent before the 101 go out
        } else {
          deliver(up_, data, len);
        }
      }
      if (done_) return;
      if (ec) {
        up_.eof = true;
        if (!up_.writing) close_all();
      }
      return;
    }
    if (ec) {
      close_all();  // the client went away: so does the forwarded request
      return;
    }
    // Before the response is complete, client bytes are kept for later (a pipelined request, or frames sent
    // before the 101); a client that sends more than that is no longer read (its close is then not noticed early).
    keep(data, len);
    if (carry_.size() < max_pending) read_client();
  }

  void keep(const char* data, std::size_t len) {
    std::size_t room = max_pending > carry_.size() ? max_pending - carry_.size() : 0;
    if (len > room) carry_lost_ = true;  // the connection cannot serve another request after this one
    if (len && room) carry_.append(data, std::min(room, len));
  }

  // ---- the response

  void relay_down(const char* data, std::size_t len) {
    switch (phase_) {
      case phase::head:
        on_head_bytes(data, len);
        return;
      case phase::body: {
        std::size_t k = framing_.feed(data, len);
        if (framing_.failed()) {
          close_all();  // a malformed chunked body: the client cannot be told more than that
          return;
        }
        deliver(down_, data, k);
        return;
      }
      case phase::splice:
        deliver(down_, data, len);
        return;
      default:
        return;  // no response expected (yet): ignored
    }
  }

  void on_head_bytes(const char* data, std::size_t len) {
    head_in_.append(data, len);
    for (;;) {
      auto end = head_in_.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (head_in_.size() > st_->opts.max_header_bytes) {
          fail(502, "Bad Gateway: the response head of the node hosting this connection is too large");
        } else {
          read_upstream();
        }
        return;
      }
      std::string_view raw(head_in_.data(), end + 4);
      auto h = parse_response_head(raw, req_method_head_);
      if (!h) {
        fail(502, "Bad Gateway: the node hosting this connection sent a malformed response");
        return;
      }
      if (h->status == 101 && upgrade_) {
        std::string out(head_in_);  // the 101 unchanged, and whatever followed it
        std::string().swap(head_in_);
        start_splice(std::move(out));
        return;
      }
      if (h->status / 100 == 1) {  // an interim response (100 Continue): the client does not wait for one
        head_in_.erase(0, end + 4);
        continue;
      }
      std::string rest = head_in_.substr(end + 4);
      std::string().swap(head_in_);
      framing_ = body_framing(h->body, h->length);
      keep_alive_after_ = keep_alive_ && !upgrade_ && h->body != body_kind::until_close && !st_->stopping.load();
      std::string out = client_response_head(*h, keep_alive_after_);
      std::size_t k = framing_.feed(rest.data(), rest.size());
      if (framing_.failed()) {
        fail(502, "Bad Gateway: the node hosting this connection sent a malformed response");
        return;
      }
      out.append(rest, 0, k);
      phase_ = phase::body;
      deliver(down_, out.data(), out.size());
      return;
    }
  }

  void start_splice(std::string first) {
    phase_ = phase::splice;
    deliver(down_, first.data(), first.size());
    if (done_) return;
    if (!carry_.empty() && !up_.writing) {
      std::string c;
      c.swap(carry_);
      deliver(up_, c.data(), c.size());
    } else {
      read_client();
    }
  }

  // The upstream ended (EOF or error).
  void upstream_ended() {
    switch (phase_) {
      case phase::head:
        fail(502, "Bad Gateway: the node hosting this connection closed it without a response");
        return;
      case phase::body:
        down_.eof = true;
        if (framing_.kind() == body_kind::until_close) {
          keep_alive_after_ = false;
          if (!down_.writing) finish();
        } else if (!framing_.done()) {
          close_all();  // truncated: the client must not wait for the rest
        }
        return;
      case phase::splice:
        down_.eof = true;
        if (!down_.writing) close_all();
        return;
      default:
        return;
    }
  }

  // ---- writing

  // Writes what `d.to` takes now; keeps the rest (at most one read's worth) and writes it asynchronously. The
  // source of `d` is read again only once everything was written.
  void deliver(direction& d, const char* p, std::size_t n) {
    std::size_t written = 0;
    error_code ec;
    while (written < n) {
      std::size_t k = d.to->write_some(net::buffer(p + written, n - written), ec);
      if (would_block(ec)) {
        ec = {};
        break;
      }
      if (ec) break;
      written += k;
    }
    count(written);
    if (ec) {
      close_all();
      return;
    }
    if (written == n) {
      written_all(d);
      return;
    }
    d.pending.assign(p + written, n - written);
    d.writing = true;
    d.write_since = now_ms();
    watch(d.write_since + send_timeout_ms_);
    net::async_write(*d.to, net::buffer(d.pending), [self = shared_from_this(), &d](error_code ec, std::size_t k) {
      d.writing = false;
      d.write_since = 0;
      if (self->done_) return;
      self->count(k);
      if (ec) {
        self->close_all();
        return;
      }
      d.pending.clear();
      if (d.pending.capacity() > 4096) std::string().swap(d.pending);
      self->written_all(d);
    });
  }

  void written_all(direction& d) {
    if (done_) return;
    if (phase_ == phase::failing) {
      close_all();
      return;
    }
    if (&d == &down_) {
      if (phase_ == phase::body) {
        if (framing_.done() || (down_.eof && framing_.kind() == body_kind::until_close)) {
          finish();
        } else {
          read_upstream();
        }
      } else if (phase_ == phase::splice) {
        if (down_.eof) {
          close_all();
        } else {
          read_upstream();
        }
      }
      return;
    }
    // up (splice only)
    if (!carry_.empty()) {
      std::string c;
      c.swap(carry_);
      deliver(up_, c.data(), c.size());
      return;
    }
    if (up_.eof) {
      close_all();
    } else {
      read_client();
    }
  }

  // ---- endings

  // The response is complete and written: the client's connection serves its next request, or closes.
  void finish() {
    error_code ec;
    upstream_.close(ec);
    if (keep_alive_after_ && !carry_lost_ && !st_->stopping.load()) {
      phase_ = phase::finishing;
      if (up_.reading) {
        client_.cancel(ec);  // on_client completes the hand-back once the read is over
        return;
      }
      hand_back();
      return;
    }
    done_ = true;
    timer_.cancel();
    client_.shutdown(tcp::socket::shutdown_send, ec);
    client_.close(ec);
  }

  void hand_back() {
    done_ = true;
    timer_.cancel();
    error_code ec;
    client_.non_blocking(false, ec);
    start_http_session(std::move(client_), st_, std::move(carry_));
  }

  // Answers the client with the proxy's own error (nothing of a response was written yet), then closes.
  void fail(int status, const std::string& text) {
    if (done_) return;
    error_code ec;
    upstream_.close(ec);
    if (resolver_) resolver_->cancel();
    phase_ = phase::failing;
    auto out = proxy_error_response(status, text, version_);
    deliver(down_, out.data(), out.size());
  }

  void close_all() {
    if (done_) return;
    done_ = true;
    error_code ec;
    timer_.cancel();
    if (resolver_) resolver_->cancel();
    upstream_.close(ec);
    client_.close(ec);
  }

  // ---- deadlines

  // Makes the timer fire at `at` (ms) unless it fires earlier already.
  void watch(std::int64_t at) {
    if (done_ || (watching_ && at >= watch_at_)) return;
    watching_ = true;
    watch_at_ = at;
    timer_.expires_after(std::chrono::milliseconds(std::max<std::int64_t>(at - now_ms(), 0)));
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (ec == net::error::operation_aborted) return;  // re-armed earlier, or done
      self->watching_ = false;
      self->on_watchdog();
    });
  }

  void on_watchdog() {
    if (done_) return;
    auto now = now_ms();
    std::int64_t next = now + idle_ms_;
    auto check_write = [&](const direction& d) {
      if (!d.writing) return true;
      if (now - d.write_since >= send_timeout_ms_) return false;
      next = std::min(next, d.write_since + send_timeout_ms_);
      return true;
    };
    switch (phase_) {
      case phase::connecting:
        if (now - connect_started() >= connect_timeout_ms) {
          fail(502, "Bad Gateway: the node hosting this connection (" + address_ + ") did not accept within " +
                        std::to_string(connect_timeout_ms / 1000) + " s");
          return;
        }
        next = connect_started() + connect_timeout_ms;
        break;
      case phase::requesting:
        if (now - request_since_ >= send_timeout_ms_) {
          fail(502, "Bad Gateway: the node hosting this connection (" + address_ + ") does not take the request");
          return;
        }
        next = request_since_ + send_timeout_ms_;
        break;
      case phase::head:
        if (now - upstream_activity_ >= idle_ms_) {
          fail(504, "Gateway Timeout: the node hosting this connection (" + address_ + ") did not answer");
          return;
        }
        next = upstream_activity_ + idle_ms_;
        break;
      case phase::body:
      case phase::splice:
      case phase::failing: {
        auto last = phase_ == phase::splice ? std::max(upstream_activity_, client_activity_) : upstream_activity_;
        if (!check_write(down_) || !check_write(up_) || (phase_ != phase::failing && now - last >= idle_ms_)) {
          close_all();  // a side that does not read, or nothing moves at all
          return;
        }
        if (phase_ != phase::failing) next = std::min(next, last + idle_ms_);
        break;
      }
      case phase::finishing:
        return;
    }
    watch(next);
  }

  std::int64_t connect_started() const noexcept { return started_; }

  void count(std::size_t n) {
    if (n && metrics_) metrics_->forwarded_bytes->Increment(static_cast<double>(n));
  }

  std::shared_ptr<server_state> st_;
  hub_metrics* metrics_;
  const net::any_io_executor exec_;  // both sockets' (the client connection's strand with several I/O threads)
  tcp::socket client_;
  tcp::socket upstream_;
  net::steady_timer timer_;
  std::optional<tcp::resolver> resolver_;
  http_request req_;
  std::string head_out_;  // the request head for the upstream
  std::string head_in_;   // the response head, while it arrives
  unsigned version_;
  bool keep_alive_;
  bool upgrade_;
  bool req_method_head_ = false;
  std::string address_;
  std::string carry_;  // client bytes not yet sent upstream (pipelined, or before the 101)
  direction down_;
  direction up_;
  body_framing framing_;
  phase phase_ = phase::connecting;
  bool keep_alive_after_ = false;
  bool carry_lost_ = false;
  bool done_ = false;
  bool watching_ = false;
  std::int64_t watch_at_ = 0;
  std::int64_t started_ = now_ms();
  std::int64_t request_since_ = 0;
  std::int64_t upstream_activity_ = 0;
  std::int64_t client_activity_ = 0;
  std::int64_t send_timeout_ms_ = 10'000;
  std::int64_t idle_ms_ = 120'000;
};

void forwarding::abort_all() {
  std::vector<std::shared_ptr<forward_proxy>> live;
  {
    std::lock_guard<std::mutex> lk(mu_);
    for (auto& [p, w] : live_)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  for (auto& p : live) p->abort();
}

void start_forward(tcp::socket client, std::shared_ptr<server_state> st, const hub_entry& hub, http_request req,
                   unsigned version, bool keep_alive, bool upgrade, std::string address, std::string buffered) {
  std::make_shared<forward_proxy>(std::move(client), std::move(st), hub, std::move(req), version, keep_alive, upgrade,
                                  std::move(address), std::move(buffered))
      ->start();
}

}  // namespace actorhub::transport
