// conformance-hub: the test application of CONTRACT.md §5 on the actorhub runtime. Wiring only.
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "actors/runtime.hpp"
#include "echo_endpoint.hpp"
#include "flags.hpp"
#include "hubs.hpp"
#include "routes.hpp"

namespace {

std::string unique_name() {
  std::random_device rd;
  char buf[9];
  snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
  return "conformance-hub-" + std::to_string(::getpid()) + "-" + buf;
}

int serve(const conformance::flags& f) {
  actorhub::runtime_options opts;
  opts.server.address = f.http.host;
  opts.server.port = f.http.port;
  opts.server.keep_alive_interval = f.keep_alive_interval;
  opts.server.client_timeout = f.client_timeout;
  opts.server.max_message_size = f.max_message_size;
  opts.server.access_key = f.access_key;
  opts.metrics_address = f.metrics;
  actorhub::runtime rt(opts);

  auto test_hub = rt.add_hub(conformance::make_test_hub(f.name));
  rt.map_hub("/testhub-nowebsockets", "testhub",
             actorhub::transport_server_sent_events | actorhub::transport_long_polling);
  rt.add_hub(conformance::make_authorized_hub());
  rt.add_hub(conformance::make_chat_hub());
  conformance::add_health(rt.http(), f.name);
  conformance::add_client_result_route(rt.http(), test_hub);
  conformance::add_redirect_route(rt.http());
  conformance::add_negotiate_cookies(rt.http());
  rt.http().add_raw_endpoint("/echo", conformance::make_echo_endpoint());

  std::string what;
  if (auto ec = rt.start(&what)) {
    std::cerr << "conformance-hub: cannot listen on " << what << ": " << ec.message() << std::endl;
    return 1;
  }
  std::cout << "conformance-hub '" << f.name << "' serving http://" << f.http.host << ":" << rt.http().port()
            << std::endl;
  return rt.run();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  conformance::flags f;
  std::string error;
  if (!conformance::parse_flags(args, f, error)) {
    std::cerr << "conformance-hub: " << error << std::endl;
    return 2;
  }
  if (f.help) {
    std::cout << conformance::usage();
    return 0;
  }
  if (f.name.empty()) f.name = unique_name();
  try {
    return serve(f);
  } catch (const std::exception& e) {
    std::cerr << "conformance-hub: " << e.what() << std::endl;
    return 1;
  }
}
