// Shared pieces of the transport tests (see test_support.hpp).
#include "test_support.hpp"

namespace actorhub::test {

namespace json = boost::json;

namespace {

class echo_inbound : public hub_inbound {
 public:
  echo_inbound(std::shared_ptr<echo_hub> hub, hub_connection_ptr conn) : hub_(std::move(hub)), conn_(std::move(conn)) {}

  void on_messages(std::vector<hub_message>&& batch) override {
    if (busy_.exchange(true)) ++hub_->concurrent_violations;
    for (auto& m : batch) {
      auto* inv = std::get_if<invocation_message>(&m);
      if (!inv) continue;
      hub_->state.update([&] { hub_->invocations.push_back(inv->target); });
      if (inv->target == "Echo" && inv->invocation_id) {
        completion_message c;
        c.invocation_id = *inv->invocation_id;
        c.result = inv->arguments.empty() ? value() : inv->arguments[0];
        conn_->send(encode(std::move(c)));
      } else if (inv->target == "Flood" && inv->arguments.size() == 2) {
        auto n = inv->arguments[0].to_int64().value_or(0);
        auto size = inv->arguments[1].to_int64().value_or(0);
        auto payload = encode(invocation_message{{}, std::nullopt, "Data", {value(std::string(size, 'x'))}, {}});
        std::size_t refused = 0;
        for (std::int64_t i = 0; i < n; ++i)
          if (!conn_->send(payload)) ++refused;
        hub_->state.update([&] { hub_->flood_refused += refused; });
      } else if (inv->target == "Wait") {
        hub_->state.wait([&] { return hub_->gate_open; }, 10s);
      } else if (inv->target == "Close") {
        auto* s = inv->arguments.empty() ? nullptr : inv->arguments[0].if_string();
        conn_->close(s ? std::optional<std::string>(*s) : std::nullopt);
      }
    }
    busy_.store(false);
  }

  void on_closed(std::optional<std::string> error) override {
    hub_->state.update([&] { hub_->closes.push_back(std::move(error)); });
  }

 private:
  std::shared_ptr<echo_hub> hub_;
  hub_connection_ptr conn_;
  std::atomic<bool> busy_{false};
};

class echo_receiver : public raw_receiver {
 public:
  echo_receiver(echo_endpoint* ep, raw_connection_ptr conn) : ep_(ep), conn_(std::move(conn)) {}
  void on_message(std::string&& data, bool binary) override { conn_->send(std::move(data), binary); }
  void on_closed(std::optional<std::string>) override { ep_->state.update([&] { ++ep_->closed; }); }

 private:
  echo_endpoint* ep_;
  raw_connection_ptr conn_;
};

}  // namespace

std::unique_ptr<hub_inbound> echo_hub::connect(hub_connection_ptr conn) {
  state.update([&] { connections.push_back(conn); });
  return std::make_unique<echo_inbound>(shared_from_this(), std::move(conn));
}

std::unique_ptr<raw_receiver> echo_endpoint::connect(raw_connection_ptr conn) {
  return std::make_unique<echo_receiver>(this, std::move(conn));
}

server_options test_options() {
  server_options o;
  o.port = 0;
  o.io_threads = 2;
  o.access_key = "test-key-0123456789";
  return o;
}

running_server::running_server(server_options o, const std::function<void(server&)>& setup, std::shared_ptr<metrics> m)
    : srv_(std::move(o), std::move(m)) {
  if (setup) setup(srv_);
  auto ec = srv_.listen();
  if (ec) throw std::runtime_error("listen failed: " + ec.message());
  thread_ = std::thread([this] {
    srv_.run();
    finished_.update([this] { done_ = true; });
  });
}

bool running_server::stop(std::chrono::milliseconds timeout) {
  srv_.stop();
  return finished_.wait([this] { return done_.load(); }, timeout);
}

running_server::~running_server() {
  srv_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string handshake_request(const std::string& protocol, int version) {
  return R"({"protocol":")" + protocol + R"(","version":)" + std::to_string(version) + "}" + rs;
}

std::string invocation(const std::string& id, const std::string& target, const std::string& args_json) {
  std::string s = R"({"type":1,)";
  if (!id.empty()) s += R"("invocationId":")" + id + R"(",)";
  s += R"("target":")" + target + R"(","arguments":)" + args_json + "}" + rs;
  return s;
}

std::vector<json::object> records(const std::string& frame) {
  std::vector<json::object> out;
  std::size_t start = 0;
  for (;;) {
    auto end = frame.find(rs, start);
    if (end == std::string::npos) break;
    json::error_code ec;
    auto v = json::parse(std::string_view(frame).substr(start, end - start), ec);
    if (!ec && v.is_object()) out.push_back(v.as_object());
    start = end + 1;
  }
  return out;
}

std::optional<json::object> record_reader::next(const std::function<bool(const json::object&)>& pred,
                                                std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (std::size_t i = 0; i < backlog_.size(); ++i) {
      if (pred(backlog_[i])) {
        auto r = std::move(backlog_[i]);
        backlog_.erase(backlog_.begin(), backlog_.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        return r;
      }
    }
    backlog_.clear();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto f = c_.next(left);
    if (!f) return std::nullopt;
    backlog_ = records(f->data);
  }
}

std::optional<json::object> record_reader::next_type(int type, std::chrono::milliseconds timeout) {
  return next([type](const json::object& o) {
    auto* t = o.if_contains("type");
    return t && t->is_int64() && t->as_int64() == type;
  }, timeout);
}

json::object negotiate_json(std::uint16_t port, const std::string& hub, const std::string& query) {
  auto r = http(port, "POST", hub + "/negotiate" + (query.empty() ? "" : "?" + query));
  json::error_code ec;
  auto v = json::parse(r.body, ec);
  if (ec || !v.is_object()) return {};
  return v.as_object();
}

std::unique_ptr<ws_client> connect_json(std::uint16_t port, const std::string& hub, int version,
                                        const std::string& negotiate_query, std::string* token_out) {
  auto n = negotiate_json(port, hub, negotiate_query);
  auto* token = n.if_contains("connectionToken");
  if (!token) token = n.if_contains("connectionId");
  if (!token) return nullptr;
  std::string t(token->as_string());
  if (token_out) *token_out = t;
  auto c = ws_client::open(port, hub + "?id=" + t);
  if (!c) return nullptr;
  c->send(handshake_request("json", version));
  auto f = c->next();
  if (!f || f->data != std::string("{}") + rs) return nullptr;
  return c;
}

}  // namespace actorhub::test
