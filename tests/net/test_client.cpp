// Beast-based test clients (see test_client.hpp). Each WebSocket/SSE client runs its own io_context thread
// and queues what it receives, so tests wait on events instead of sleeping.
#include "test_client.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace actorhub::test {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

bool iequal(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

tcp::endpoint local(std::uint16_t port) { return {net::ip::make_address("127.0.0.1"), port}; }

}  // namespace

std::optional<std::string> http_result::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (iequal(k, name)) return v;
  return std::nullopt;
}

std::vector<std::string> http_result::all(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers)
    if (iequal(k, name)) out.push_back(v);
  return out;
}

http_result http(std::uint16_t port, const std::string& method, const std::string& target, std::string body,
                 const header_list& headers, std::chrono::milliseconds timeout) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [k, v] : headers) req.insert(k, v);
  req.body() = std::move(body);
  req.prepare_payload();
  http_result out;
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  if (method == "HEAD") parser.skip(true);
  stream.expires_after(timeout);
  stream.async_connect(local(port), [&](beast::error_code ec) {
    if (ec) return;
    bhttp::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
      if (ec) return;
      bhttp::async_read(stream, buffer, parser, [&](beast::error_code ec, std::size_t) {
        if (ec) return;
        auto& res = parser.get();
        out.status = static_cast<int>(res.result_int());
        out.body = res.body();
        for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      });
    });
  });
  ioc.run();
  return out;
}

struct http_connection::impl {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  std::uint16_t port = 0;
  bool connected = false;
};

http_connection::http_connection(std::uint16_t port) : impl_(std::make_unique<impl>()) {
  impl_->port = port;
  beast::error_code ec;
  impl_->stream.socket().connect(local(port), ec);
  impl_->connected = !ec;
}

http_connection::~http_connection() = default;

bool http_connection::connected() const { return impl_->connected; }

http_result http_connection::request(const std::string& method, const std::string& target, std::string body,
                                     std::chrono::milliseconds timeout) {
  auto& p = *impl_;
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, "127.0.0.1:" + std::to_string(p.port));
  req.body() = std::move(body);
  req.prepare_payload();
  http_result out;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  p.ioc.restart();
  p.stream.expires_after(timeout);
  bhttp::async_write(p.stream, req, [&](beast::error_code ec, std::size_t) {
    if (ec) return;
    bhttp::async_read(p.stream, p.buffer, parser, [&](beast::error_code ec, std::size_t) {
      if (ec) return;
      auto& res = parser.get();
      out.status = static_cast<int>(res.result_int());
      out.body = res.body();
      for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    });
  });
  p.ioc.run();
  return out;
}

std::string raw_exchange(std::uint16_t port, const std::string& raw, std::chrono::milliseconds timeout) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  std::string out;
  char buf[4096];
  std::function<void()> read_more = [&] {
    stream.async_read_some(net::buffer(buf), [&](beast::error_code ec, std::size_t n) {
      out.append(buf, n);
      if (!ec) read_more();
    });
  };
  stream.expires_after(timeout);
  stream.async_connect(local(port), [&](beast::error_code ec) {
    if (ec) return;
    net::async_write(stream, net::buffer(raw), [&](beast::error_code ec, std::size_t) {
      if (!ec) read_more();
    });
  });
  ioc.run();
  return out;
}

// ---------------------------------------------------------------- WebSocket

struct ws_client::impl {
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  std::thread thread;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<ws_frame> frames;
  bool closed = false;
  int code = 0;
  std::deque<std::pair<std::string, bool>> out;
  bool writing = false;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;

  void read_loop() {
    ws.async_read(buffer, [this](beast::error_code ec, std::size_t) {
      std::lock_guard<std::mutex> lk(mu);
      if (ec) {
        closed = true;
        code = ws.reason().code;
        cv.notify_all();
        return;
      }
      frames.push_back({beast::buffers_to_string(buffer.data()), ws.got_binary()});
      buffer.consume(buffer.size());
      cv.notify_all();
      read_loop();
    });
  }

  void write_next() {
    if (writing || out.empty()) return;
    writing = true;
    ws.binary(out.front().second);
    ws.async_write(net::buffer(out.front().first), [this](beast::error_code ec, std::size_t) {
      writing = false;
      out.pop_front();
      if (!ec) write_next();
    });
  }
};

ws_client::ws_client(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

std::unique_ptr<ws_client> ws_client::open(std::uint16_t port, const std::string& target, const header_list& headers,
                                           int* status, bool read) {
  auto p = std::make_unique<impl>();
  beast::error_code ec;
  auto& sock = beast::get_lowest_layer(p->ws).socket();
  sock.open(tcp::v4(), ec);
  if (!read) {
    sock.set_option(net::socket_base::receive_buffer_size(4096), ec);
  }
  sock.connect(local(port), ec);
  if (ec) {
    if (status) *status = 0;
    return nullptr;
  }
  p->ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& r) {
    for (const auto& [k, v] : headers) r.insert(k, v);
  }));
  p->ws.read_message_max(64 * 1024 * 1024);
  websocket::response_type res;
  p->ws.handshake(res, "127.0.0.1:" + std::to_string(port), target, ec);
  if (status) *status = static_cast<int>(res.result_int());
  if (ec) return nullptr;
  p->work.emplace(net::make_work_guard(p->ioc));
  if (read) p->read_loop();
  auto* raw = p.get();
  p->thread = std::thread([raw] { raw->ioc.run(); });
  return std::unique_ptr<ws_client>(new ws_client(std::move(p)));
}

ws_client::~ws_client() {
  drop();
  impl_->work.reset();
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void ws_client::send(std::string data, bool binary) {
  net::post(impl_->ioc, [p = impl_.get(), data = std::move(data), binary]() mutable {
    p->out.emplace_back(std::move(data), binary);
    p->write_next();
  });
}

std::optional<ws_frame> ws_client::next(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lk(impl_->mu);
  impl_->cv.wait_for(lk, timeout, [&] { return !impl_->frames.empty() || impl_->closed; });
  if (impl_->frames.empty()) return std::nullopt;
  auto f = std::move(impl_->frames.front());
  impl_->frames.pop_front();
  return f;
}

bool ws_client::wait_closed(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lk(impl_->mu);
  return impl_->cv.wait_for(lk, timeout, [&] { return impl_->closed; });
}

int ws_client::close_code() const {
  std::lock_guard<std::mutex> lk(impl_->mu);
  return impl_->code;
}

void ws_client::close(int code) {
  net::post(impl_->ioc, [p = impl_.get(), code] {
    p->ws.async_close(static_cast<websocket::close_code>(code), [](beast::error_code) {});
  });
}

void ws_client::drop() {
  net::post(impl_->ioc, [p = impl_.get()] {
    beast::error_code ec;
    beast::get_lowest_layer(p->ws).socket().close(ec);
  });
}

// ---------------------------------------------------------------- Server-Sent Events

struct sse_client::impl {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::empty_body> parser;
  bhttp::request<bhttp::empty_body> req;
  std::thread thread;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> events;
  header_list headers;
  bool closed = false;
  std::string pending;  // undispatched text
  std::string data;
  bool has_data = false;
  std::function<std::size_t(std::uint64_t, beast::string_view, beast::error_code&)> on_body;

  void feed(std::string_view chunk) {
    pending.append(chunk);
    std::size_t pos;
    while ((pos = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, pos);
      pending.erase(0, pos + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) {
        if (has_data) events.push_back(std::move(data));
        data.clear();
        has_data = false;
      } else if (line.rfind("data:", 0) == 0) {
        std::string v = line.substr(5);
        if (!v.empty() && v.front() == ' ') v.erase(0, 1);
        if (has_data) data += '\n';
        data += v;
        has_data = true;
      }
    }
    cv.notify_all();
  }

  void read_loop() {
    bhttp::async_read_some(stream, buffer, parser, [this](beast::error_code ec, std::size_t) {
      if (ec || parser.is_done()) {
        std::lock_guard<std::mutex> lk(mu);
        closed = true;
        cv.notify_all();
        return;
      }
      read_loop();
    });
  }
};

sse_client::sse_client(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

std::unique_ptr<sse_client> sse_client::open(std::uint16_t port, const std::string& target, int* status,
                                             const header_list& headers) {
  auto p = std::make_unique<impl>();
  beast::error_code ec;
  p->stream.socket().connect(local(port), ec);
  if (ec) return nullptr;
  p->req.method(bhttp::verb::get);
  p->req.target(target);
  p->req.version(11);
  p->req.set(bhttp::field::host, "127.0.0.1");
  p->req.set(bhttp::field::accept, "text/event-stream");
  for (const auto& [k, v] : headers) p->req.insert(k, v);
  bhttp::write(p->stream, p->req, ec);
  if (ec) return nullptr;
  p->parser.body_limit(boost::none);
  bhttp::read_header(p->stream, p->buffer, p->parser, ec);
  if (ec) return nullptr;
  const auto& res = p->parser.get();
  if (status) *status = static_cast<int>(res.result_int());
  for (const auto& f : res) p->headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  if (res.result_int() != 200) return nullptr;
  auto* raw = p.get();
  p->on_body = [raw](std::uint64_t, beast::string_view body, beast::error_code&) {
    std::lock_guard<std::mutex> lk(raw->mu);
    raw->feed(std::string_view(body.data(), body.size()));
    return body.size();
  };
  p->parser.on_chunk_body(p->on_body);
  p->read_loop();
  p->thread = std::thread([raw] { raw->ioc.run(); });
  return std::unique_ptr<sse_client>(new sse_client(std::move(p)));
}

sse_client::~sse_client() {
  drop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::optional<std::string> sse_client::next(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lk(impl_->mu);
  impl_->cv.wait_for(lk, timeout, [&] { return !impl_->events.empty() || impl_->closed; });
  if (impl_->events.empty()) return std::nullopt;
  auto e = std::move(impl_->events.front());
  impl_->events.pop_front();
  return e;
}

bool sse_client::wait_closed(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lk(impl_->mu);
  return impl_->cv.wait_for(lk, timeout, [&] { return impl_->closed; });
}

std::optional<std::string> sse_client::header(const std::string& name) const {
  for (const auto& [k, v] : impl_->headers)
    if (iequal(k, name)) return v;
  return std::nullopt;
}

void sse_client::drop() {
  net::post(impl_->ioc, [p = impl_.get()] {
    beast::error_code ec;
    p->stream.socket().close(ec);
  });
}

}  // namespace actorhub::test
