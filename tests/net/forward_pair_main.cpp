// net_forward_pair: two client endpoints A and B in one process (the transport alone, echo hubs as in
// test_support.hpp), each locating the other's connections by id prefix ("a1." / "b2."), for the official-client
// test tests/integration/forward.test.js. Prints "A_PORT B_PORT" once both listen. Routes on both:
//   GET  /forwarded                     this endpoint's forwarded-request count
//   POST /move?connectionId=ID          exports that stateful connection from A, imports it into B, points the
//                                       locator at B, sends it Send("moved") from B, then closes the old socket
// Usage: net_forward_pair [keep-alive-ms]
#include <csignal>
#include <iostream>
#include <map>
#include <mutex>

#include <boost/json.hpp>
#include <prometheus/counter.h>

#include "monitoring/metrics.hpp"
#include "test_support.hpp"

namespace {

std::atomic<bool> stop_requested{false};
void on_signal(int) { stop_requested.store(true); }

}  // namespace

int main(int argc, char** argv) {
  using namespace actorhub;
  auto oa = test::test_options();
  if (argc > 1) oa.keep_alive_interval = std::chrono::milliseconds(std::stoi(argv[1]));
  auto ob = oa;
  oa.id_prefix = "a1.";
  ob.id_prefix = "b2.";
  auto ma = std::make_shared<metrics>();
  auto mb = std::make_shared<metrics>();
  auto hub_a = std::make_shared<test::echo_hub>();
  auto hub_b = std::make_shared<test::echo_hub>();

  std::mutex mu;
  std::map<std::string, std::string> prefixes;  // token prefix -> address
  std::map<std::string, std::string> moved;     // token -> address
  std::map<std::string, std::string> tokens;    // connectionId -> connectionToken (from A's negotiate answers)
  auto locate = [&](std::string_view token) -> std::optional<std::string> {
    std::lock_guard<std::mutex> lk(mu);
    if (auto it = moved.find(std::string(token)); it != moved.end()) return it->second;
    for (const auto& [prefix, address] : prefixes)
      if (token.substr(0, prefix.size()) == prefix) return address;
    return std::nullopt;
  };

  server* a_ptr = nullptr;
  server* b_ptr = nullptr;
  auto setup = [&](server& srv, std::shared_ptr<test::echo_hub> hub, std::shared_ptr<metrics> m) {
    srv.add_hub("/hub", hub);
    srv.add_raw_endpoint("/echo", std::make_shared<test::echo_endpoint>());
    srv.set_negotiate_decorator([&](const http_request&, http_response& r) {
      boost::json::error_code ec;
      auto v = boost::json::parse(r.body, ec);
      if (ec || !v.is_object()) return;
      auto* id = v.as_object().if_contains("connectionId");
      auto* token = v.as_object().if_contains("connectionToken");
      if (id && token && id->is_string() && token->is_string()) {
        std::lock_guard<std::mutex> lk(mu);
        tokens[std::string(id->as_string())] = std::string(token->as_string());
      }
    });
    srv.add_route("/forwarded", [m](const http_request&, http_responder respond) {
      http_response r;
      r.body = std::to_string(static_cast<long long>(m->hub("hub").forwarded_requests->Value()));
      respond(std::move(r));
    });
    srv.add_route("/move", [&, hub_b](const http_request& req, http_responder respond) {
      http_response r;
      std::string token;
      {
        std::lock_guard<std::mutex> lk(mu);
        auto it = tokens.find(req.query_value("connectionId").value_or(""));
        if (it != tokens.end()) token = it->second;
      }
      auto snap = token.empty() ? std::nullopt : a_ptr->export_session(token, {}, /*close_transport=*/false);
      if (!snap || !b_ptr->import_session(*snap)) {
        r.status = 409;
        r.body = "cannot move";
        respond(std::move(r));
        return;
      }
      {
        std::lock_guard<std::mutex> lk(mu);
        moved[token] = "127.0.0.1:" + std::to_string(b_ptr->port());
      }
      // Sent by B while the client is away: it must arrive once, after the replay. (B's hub learns of the
      // connection on B's I/O thread, right after the import.)
      hub_connection_ptr conn;
      hub_b->state.wait([&] {
        for (auto& c : hub_b->connections)
          if (c->info().connection_id == snap->connection_id) conn = c;
        return conn != nullptr;
      }, std::chrono::seconds(2));
      if (conn) conn->send(encode(invocation_message{{}, std::nullopt, "Send", {value("moved")}, {}}));
      a_ptr->close_exported(token);
      r.body = "moved";
      respond(std::move(r));
    });
  };

  server a(oa, ma);
  server b(ob, mb);
  a_ptr = &a;
  b_ptr = &b;
  setup(a, hub_a, ma);
  setup(b, hub_b, mb);
  if (auto ec = a.listen()) {
    std::cerr << "net_forward_pair: " << ec.message() << std::endl;
    return 1;
  }
  if (auto ec = b.listen()) {
    std::cerr << "net_forward_pair: " << ec.message() << std::endl;
    return 1;
  }
  {
    std::lock_guard<std::mutex> lk(mu);
    prefixes["a1."] = "127.0.0.1:" + std::to_string(a.port());
    prefixes["b2."] = "127.0.0.1:" + std::to_string(b.port());
  }
  a.set_locator(locate);
  b.set_locator(locate);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::thread ta([&] { a.run(); });
  std::thread tb([&] { b.run(); });
  std::cout << a.port() << " " << b.port() << std::endl;
  while (!stop_requested.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  a.stop();
  b.stop();
  ta.join();
  tb.join();
  return 0;
}
