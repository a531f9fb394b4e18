// The HTTP front end (net/server.hpp): listener, I/O threads, the periodic sweep, and graceful stop.
// Requests are handled by transport/http_session; connections by transport/session and its transports.
#include "net/server.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "monitoring/metrics.hpp"
#include "net/transport/http_session.hpp"
#include "net/transport/http_util.hpp"
#include "net/transport/server_state.hpp"
#include "net/transport/session.hpp"

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
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::uint16_t port = 0;
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> ran{false};
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
        // Out of descriptors or similar: try again shortly instead of spinning.
        accept_retry.expires_after(std::chrono::milliseconds(50));
        accept_retry.async_wait([this](boost::system::error_code e) {
          if (!e) accept();
        });
        return;
      }
      start_http_session(std::move(socket), st);
      accept();
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
  void begin_stop() {
    st->stopping.store(true);
    boost::system::error_code ec;
    if (acceptor) acceptor->close(ec);
    accept_retry.cancel();
    sweep.cancel();
    st->exported.close_all();
    for (auto& s : st->connections.sessions()) s->begin_close(std::nullopt, close_cause::normal, true);
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
      for (auto& s : live) s->abort(std::nullopt, close_cause::normal);
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
    for (auto& s : live) s->abort(std::nullopt, close_cause::normal);
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

std::error_code server::listen() {
  auto& o = impl_->st->opts;
  boost::system::error_code ec;
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
  });
  auto body = [&st] {
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

void server::stop() {
  if (impl_->stop_requested.exchange(true)) return;
  net::post(impl_->control, [this] { impl_->begin_stop(); });
}

const server_options& server::options() const noexcept { return impl_->st->opts; }

}  // namespace actorhub
