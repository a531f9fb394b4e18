// conformance-hub: the test application of CONTRACT.md §5 on the actorhub runtime. Wiring only.
#include <iostream>
#include <string>
#include <vector>

#include <actorhub/node.hpp>
#include "echo_endpoint.hpp"
#include "flags.hpp"
#include "hubs.hpp"
#include "routes.hpp"

namespace {

int serve(conformance::flags f) {
  f.node.http.detailed_errors = true;  // CONTRACT §3: the test hub always runs with detailed errors
  f.node.http.log = [](std::string_view line) { std::cerr << "conformance-hub: " << line << std::endl; };
  f.node.presence_endpoint = true;     // GET /actorhub/presence/... (the cluster tests ask it)
  actorhub::node app(f.node);

  auto test_hub = app.add_hub(conformance::make_test_hub(app.name()));
  app.map_hub("/testhub-nowebsockets", "testhub",
             actorhub::transport_server_sent_events | actorhub::transport_long_polling);
  app.add_hub(conformance::make_authorized_hub());
  app.add_hub(conformance::make_chat_hub(app.name()));
  conformance::add_client_result_route(app.http(), test_hub);
  conformance::add_redirect_route(app.http());
  conformance::add_negotiate_cookies(app.http());
  app.http().add_raw_endpoint("/echo", conformance::make_echo_endpoint());

  std::string what;
  if (auto ec = app.start(&what)) {
    std::cerr << "conformance-hub: cannot listen on " << what << ": " << ec.message() << std::endl;
    return 1;
  }
  std::cout << "conformance-hub '" << app.name() << "' serving "
            << (f.node.http.tls_cert_file.empty() ? "http" : "https") << "://" << f.node.http.address << ":"
            << app.http().port() << std::endl;
  return app.run();
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
  if (auto tls = actorhub::tls_files_error(f.node.http.tls_cert_file, f.node.http.tls_key_file); !tls.empty()) {
    std::cerr << "conformance-hub: " << tls << std::endl;
    return 2;
  }
  try {
    return serve(f);
  } catch (const std::exception& e) {
    std::cerr << "conformance-hub: " << e.what() << std::endl;
    return 1;
  }
}
