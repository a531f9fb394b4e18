// net_test_server: the transport alone (no actors) for manual and JS-client checks: /hub (echo hub, see
// test_support.hpp), /echo (raw echo endpoint), negotiate cookies. Usage: net_test_server [port] [keep-alive-ms]
#include <csignal>
#include <iostream>

#include "test_support.hpp"

namespace {
actorhub::server* running = nullptr;
void on_signal(int) {
  if (running) running->stop();
}
}  // namespace

int main(int argc, char** argv) {
  using namespace actorhub;
  auto o = test::test_options();
  o.port = argc > 1 ? static_cast<std::uint16_t>(std::stoi(argv[1])) : 0;
  if (argc > 2) o.keep_alive_interval = std::chrono::milliseconds(std::stoi(argv[2]));
  server s(o);
  s.add_hub("/hub", std::make_shared<test::echo_hub>());
  s.add_raw_endpoint("/echo", std::make_shared<test::echo_endpoint>());
  s.set_negotiate_decorator([](const http_request&, http_response& r) {
    r.headers.emplace_back("Set-Cookie", "testCookie=testValue; Path=/");
    r.headers.emplace_back("Set-Cookie", "testCookie2=testValue2; Path=/");
    r.headers.emplace_back("Set-Cookie", "expiredCookie=doesntmatter; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  });
  if (auto ec = s.listen()) {
    std::cerr << "net_test_server: " << ec.message() << std::endl;
    return 1;
  }
  std::cout << s.port() << std::endl;
  running = &s;
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  s.run();
  return 0;
}
