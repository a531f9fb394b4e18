// The HTTP front end (net/server.hpp): listener, I/O threads, the periodic sweep, and graceful stop.
// Requests are handled by transport/http_session; connections by transport/session and its transports.
#include "net/server.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <csignal>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "monitoring/metrics.hpp"
#include "net/transport/http_session.hpp"
#include "net/transport/http_util.hpp"
#include "net/transport/hub_session.hpp"
#include "net/transport/io_turn_scope.hpp"
#include "net/transport/server_state.hpp"
#include "net/transport/session.hpp"
#include "net/transport/tls.hpp"

namespace actorhub {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace transport;

namespace {

constexpr auto stop_grace = std::chrono::milliseconds(1500);  // clients get this long to take their Close
constexpr auto stop_poll = std::chrono::milliseconds(20);

std::string normalize_path(std::string path) {
  path = to_lower(path);
  if (path.empty() || path.front() != '/') path.insert(path.begin(), '/');
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

struct server::impl {
  explicit impl(server_options o, std::shared_ptr<metrics> m)
      : st(std::make_shared<server_state>(std::move(o), std::move(m))),
        control(net::make_strand(st->ioc)),
        accept_retry(control),
        sweep(control),
        stopper(control),
        work(net::make_work_guard(st->ioc)) {}

  std::shared_ptr<server_state> st;
  // Accepting, the sweep and stopping run on one strand: with several I/O threads they would race otherwise.
  net::strand<net::io_context::executor_type> control;
  std::optional<tcp::acceptor> acceptor;
  net::steady_timer accept_retry;
  net::steady_timer sweep;
  net::steady_timer stopper;
  std::optional<net::signal_set> hangup;  // SIGHUP: reload the TLS certificate
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::uint16_t port = 0;
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> ran{false};
  std::atomic<int> refusing{0};  // refused connections lingering (refuse_connection)
  std::chrono::steady_clock::time_point stop_deadline;

  void add_entry(std::string path, std::shared_ptr<hub_endpoint> hub, std::shared_ptr<raw_endpoint> raw,
                 unsigned transports) {
    auto e = std::make_unique<hub_entry>();
    e->path = normalize_path(std::move(path));
    e->name = e->path.substr(1);
    e->hub = std::move(hub);
    e->raw = std::move(raw);
    e->transports = transports & all_transports;
    if (st->metrics) e->metrics = &st->metrics->hub(e->name);
    for (auto& existing : st->hubs)
      if (existing->path == e->path) {
        existing = std::move(e);
        return;
      }
    st->hubs.push_back(std::move(e));
  }

  void accept() {
    if (!acceptor || !acceptor->is_open()) return;
    acceptor->async_accept(st->connection_executor(), [this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || st->stopping.load()) return;
      if (ec) {
        // Out of descriptors (EMFILE/ENFILE) or kernel memory: the pending connection stays in the backlog and
        // the listener stays readable, so accepting again at once would spin. Pause, say so once, count it.
        st->rejected(limit_kind::accept_exhausted);
        st->accept_failed_log.hit(*st, now_ms(),
                                  "accepting connections failed (" + ec.message() + ") with " +
                                      std::to_string(st->tcp_open.load()) + " connections open; pausing accepts for " +
                                      std::to_string(st->opts.accept_backoff.count()) + " ms at a time");
        accept_retry.expires_after(std::max(st->opts.accept_backoff, std::chrono::milliseconds(1)));
        accept_retry.async_wait([this](boost::system::error_code e) {
          if (!e) accept();
        });
        return;
      }
      st->accept_failed_log.clear(*st, "accepting connections again");
      auto ticket = std::make_unique<tcp_ticket>(st);
      if (st->tcp_open.load() > st->connection_limit) {
        st->rejected(limit_kind::connections);
        st->connections_full_log.hit(*st, now_ms(),
                                     "connection limit reached (" + std::to_string(st->connection_limit) +
                                         " open TCP connections): new connections get 503");
        refuse_connection(std::move(socket));
      } else {
        st->connections_full_log.clear(*st, "below the connection limit again");
        start_http_session(std::move(socket), st, std::move(ticket));
      }
      accept();
    });
  }

  // Over the connection limit: a short 503, then close. Closing with the client's request unread would reset
  // the connection and could destroy the 503 on its way, so up to 16 refused sockets at a time linger (at most
  // 1 s) reading until the client closes; beyond that they are closed at once.
  void refuse_connection(tcp::socket socket) {
    static constexpr char reply[] =
        "HTTP/1.1 503 Service Unavailable\r\nServer: actorhub\r\nContent-Type: text/plain\r\n"
        "Retry-After: 1\r\nConnection: close\r\nContent-Length: 32\r\n\r\n"
        "Too many connections; try again.";
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    socket.write_some(net::buffer(reply, sizeof reply - 1), ec);
    socket.shutdown(tcp::socket::shutdown_send, ec);
    if (ec || refusing.load() >= 16) {
      socket.close(ec);
      return;
    }
    struct refusal : std::enable_shared_from_this<refusal> {
      refusal(tcp::socket s, std::atomic<int>& n) : sock(std::move(s)), timer(sock.get_executor()), count(n) { ++count; }
      ~refusal() { --count; }
      void start() {
        timer.expires_after(std::chrono::seconds(1));
        timer.async_wait([self = shared_from_this()](boost::system::error_code e) {
          if (!e) {
            boost::system::error_code ignored;
            self->sock.close(ignored);
          }
        });
        drain();
      }
      void drain() {
        sock.async_read_some(net::buffer(buf), [self = shared_from_this()](boost::system::error_code e, std::size_t) {
          if (!e) return self->drain();
          self->timer.cancel();
          boost::system::error_code ignored;
          self->sock.close(ignored);
        });
      }
      tcp::socket sock;
      net::steady_timer timer;
      std::atomic<int>& count;
      char buf[512];
    };
    std::make_shared<refusal>(std::move(socket), refusing)->start();
  }

  void watch_hangup() {
    if (!hangup) return;
    hangup->async_wait([this](boost::system::error_code ec, int) {
      if (ec || st->stopping.load()) return;
      auto error = st->tls->load();
      if (error.empty()) {
        st->warn("TLS certificate reloaded from '" + st->tls->cert_file() + "' (new connections use it)");
        if (auto w = st->tls->validity_warning(); !w.empty()) st->warn(w);
      } else {
        st->warn("TLS reload failed, the previous certificate stays in use: " + error);
      }
      watch_hangup();
    });
  }

  void schedule_sweep() {
    sweep.expires_after(std::chrono::milliseconds(st->sweep_period_ms()));
    sweep.async_wait([this](boost::system::error_code ec) {
      if (ec || st->stopping.load()) return;
      run_sweep();
      schedule_sweep();
    });
  }

  void run_sweep() {
    auto now = now_ms();
    st->connections.expire_pending(now, st->opts.negotiate_timeout.count());
    st->exported.expire(now);
    for (auto& s : st->connections.sessions()) s->tick(now);
  }

  // On an I/O thread: stop accepting, send every client a Close, wait for them (bounded), then end run().
  void begin_stop(bool allow_reconnect) {
    st->stopping.store(true);
    boost::system::error_code ec;
    if (acceptor) acceptor->close(ec);
    accept_retry.cancel();
    sweep.cancel();
    if (hangup) hangup->cancel(ec);
    st->exported.close_all();
    for (auto& s : st->connections.sessions())
      s->begin_close(std::nullopt, close_cause::shutdown, true, allow_reconnect);
    st->forwards.abort_all();  // requests relayed to other endpoints end with this one
    stop_deadline = std::chrono::steady_clock::now() + stop_grace;
    wait_for_sessions(false);
  }

  void wait_for_sessions(bool aborted) {
    auto live = st->connections.sessions();
    if (live.empty() && st->forwards.live() == 0) {
      finish();
      return;
    }
    if (std::chrono::steady_clock::now() >= stop_deadline) {
      if (aborted) {
        finish();  // what is left is finalised after the threads end
        return;
      }
      for (auto& s : live) s->abort(std::nullopt, close_cause::shutdown);
      st->forwards.abort_all();
      stop_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
      aborted = true;
    } else {
      // Long polling sessions that have delivered everything and only wait for a last poll are done.
      for (auto& s : live) s->tick(now_ms());
    }
    stopper.expires_after(stop_poll);
    stopper.async_wait([this, aborted](boost::system::error_code e) {
      if (!e) wait_for_sessions(aborted);
    });
  }

  void finish() {
    work.reset();
    st->ioc.stop();
  }

  // After the I/O threads ended: whatever did not close in time is aborted and finalised here.
  void finalize_leftovers() {
    auto live = st->connections.sessions();
    if (live.empty()) return;
    st->ioc.restart();
    for (auto& s : live) s->abort(std::nullopt, close_cause::shutdown);
    st->ioc.run_for(std::chrono::milliseconds(200));
  }
};

server::server(server_options opts, std::shared_ptr<metrics> m)
    : impl_(std::make_unique<impl>(std::move(opts), std::move(m))) {}

server::~server() {
  stop();
  if (!impl_->ran.load()) {
    // run() never ran: nothing is connected; drop the queued work.
    impl_->st->stopping.store(true);
  }
  boost::system::error_code ec;
  if (impl_->acceptor) impl_->acceptor->close(ec);
  impl_->work.reset();
  impl_->st->ioc.destroy_pending_handlers();
  impl_->st->wakes.clear();  // woken links hold sessions, which hold the shared state
  impl_->st->exported.clear();  // so do held exported transports
  // Endpoints may hold connections (which hold the shared state): release them so nothing cycles.
  // The entries themselves stay, as closed sessions still name their hub.
  for (auto& e : impl_->st->hubs) {
    e->hub.reset();
    e->raw.reset();
  }
  impl_->st->routes.clear();
  impl_->st->health = nullptr;
  impl_->st->decorate_negotiate = nullptr;
  impl_->st->override_negotiate = nullptr;
}

void server::add_hub(std::string path, std::shared_ptr<hub_endpoint> hub, unsigned transports) {
  impl_->add_entry(std::move(path), std::move(hub), nullptr, transports);
}

void server::add_raw_endpoint(std::string path, std::shared_ptr<raw_endpoint> endpoint, unsigned transports) {
  impl_->add_entry(std::move(path), nullptr, std::move(endpoint), transports);
}

void server::add_route(std::string prefix, http_handler handler) {
  impl_->st->routes.emplace_back(std::move(prefix), std::move(handler));
}

void server::serve_static(std::string prefix, std::filesystem::path dir) {
  impl_->st->statics.push_back({std::move(prefix), std::move(dir)});
}

void server::set_health(std::function<std::string()> body) { impl_->st->health = std::move(body); }

void server::set_negotiate_decorator(std::function<void(const http_request&, http_response&)> decorate) {
  impl_->st->decorate_negotiate = std::move(decorate);
}

void server::set_negotiate_override(negotiate_override handler) {
  impl_->st->override_negotiate = std::move(handler);
}

void server::set_locator(std::function<std::optional<std::string>(std::string_view token)> locator) {
  impl_->st->forwards.set_locator(std::move(locator));
}

std::optional<session_snapshot> server::export_session(std::string_view token,
                                                      std::function<void(std::unique_ptr<hub_inbound>)> take_receiver,
                                                      bool close_transport) {
  return transport::export_session(*impl_->st, token, std::move(take_receiver), close_transport);
}

bool server::close_exported(std::string_view token) { return impl_->st->exported.close(token); }

bool server::import_session(session_snapshot snapshot) {
  return transport::import_session(impl_->st, std::move(snapshot));
}

std::vector<server::movable_session> server::movable_sessions() const {
  std::vector<movable_session> out;
  for (auto& s : impl_->st->connections.sessions()) {
    if (!s->resumable() || !s->hub().hub || !std::dynamic_pointer_cast<transport::hub_session>(s)) continue;
    out.push_back({s->id(), s->token(), s->hub().path});
  }
  return out;
}

void server::stop_accepting() {
  net::post(impl_->control, [this] {
    boost::system::error_code ec;
    if (impl_->acceptor) impl_->acceptor->close(ec);
    impl_->accept_retry.cancel();
  });
}

std::error_code server::listen() {
  auto& o = impl_->st->opts;
  boost::system::error_code ec;
  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    auto tls = std::make_shared<tls_config>(o.tls_cert_file, o.tls_key_file);
    auto error = o.tls_cert_file.empty() || o.tls_key_file.empty() ? "TLS needs both a certificate and a key file"
                                                                    : tls->load();
    if (!error.empty()) {
      impl_->st->warn(error);
      return std::make_error_code(std::errc::invalid_argument);
    }
    if (auto w = tls->validity_warning(); !w.empty()) impl_->st->warn(w);
    impl_->st->tls = std::move(tls);
    if (o.tls_reload_on_sighup) impl_->hangup.emplace(impl_->control, SIGHUP);
  }
  auto address = net::ip::make_address(o.address, ec);
  if (ec) return ec;
  tcp::endpoint endpoint(address, o.port);
  tcp::acceptor acceptor(impl_->control);
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return ec;
  acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return ec;
  acceptor.bind(endpoint, ec);
  if (ec) return ec;
  acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return ec;
  impl_->port = acceptor.local_endpoint(ec).port();
  if (ec) return ec;
  impl_->acceptor.emplace(std::move(acceptor));
  return {};
}

std::uint16_t server::port() const noexcept { return impl_->port; }

void server::run() {
  auto& st = *impl_->st;
  if (impl_->ran.exchange(true)) return;
  net::post(impl_->control, [this] {
    if (impl_->st->stopping.load()) return;
    impl_->accept();
    impl_->schedule_sweep();
    impl_->watch_hangup();
  });
  auto body = [&st] {
    transport::io_turn_scope scope(st.ioc);
    for (;;) {
      try {
        st.ioc.run();
        return;
      } catch (const std::exception&) {
        // A handler threw: that request or connection is lost, the server keeps serving.
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < std::max(1u, st.opts.io_threads); ++i) threads.emplace_back(body);
  body();
  for (auto& t : threads) t.join();
  impl_->finalize_leftovers();
}

void server::stop(bool allow_reconnect) {
  if (impl_->stop_requested.exchange(true)) return;
  net::post(impl_->control, [this, allow_reconnect] { impl_->begin_stop(allow_reconnect); });
}

const server_options& server::options() const noexcept { return impl_->st->opts; }

}  // namespace actorhub
