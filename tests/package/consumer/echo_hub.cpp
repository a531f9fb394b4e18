// A hub built against the installed actorhub package: /echo answers Echo(x) with x.
// `echo_hub --check` listens on a free port, stops again and exits 0 (what the package test runs).
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "monitoring/metrics.hpp"
#include "net/server.hpp"

using namespace actorhub;

struct echo_inbound final : hub_inbound {
  explicit echo_inbound(hub_connection_ptr c) : conn(std::move(c)) {}
  void on_messages(std::vector<hub_message>&& batch) override {
    for (auto& m : batch)
      if (auto* call = std::get_if<invocation_message>(&m); call && call->invocation_id && call->target == "Echo")
        conn->send(encode(completion_message{{}, *call->invocation_id, std::nullopt,
                                             call->arguments.empty() ? value{} : call->arguments[0]}));
  }
  void on_closed(std::optional<std::string>) override {}
  hub_connection_ptr conn;
};

struct echo_hub final : hub_endpoint {
  std::unique_ptr<hub_inbound> connect(hub_connection_ptr c) override { return std::make_unique<echo_inbound>(c); }
};

int main(int argc, char** argv) {
  server_options options;
  options.port = 0;
  server s{options, std::make_shared<metrics>()};
  s.add_hub("/echo", std::make_shared<echo_hub>());
  if (auto ec = s.listen()) return std::fprintf(stderr, "echo_hub: %s\n", ec.message().c_str()), 1;
  std::printf("echo hub at http://127.0.0.1:%u/echo\n", static_cast<unsigned>(s.port()));
  std::thread io{[&] { s.run(); }};
  if (argc > 1 && std::string{argv[1]} == "--check") s.stop();
  io.join();
}
