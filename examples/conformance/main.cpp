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

int serve(const conformance::flags& f) {
  actorhub::node_options opts;
  opts.name = f.name;
  opts.http.address = f.http.host;
  opts.http.port = f.http.port;
  opts.http.keep_alive_interval = f.keep_alive_interval;
  opts.http.client_timeout = f.client_timeout;
  opts.http.max_message_size = f.max_message_size;
  opts.http.access_key = f.access_key;
  opts.http.detailed_errors = true;  // CONTRACT §3: the test hub always runs with detailed errors
  opts.http.cors_origins = f.cors_origins;
  opts.http.tls_cert_file = f.tls_cert;
  opts.http.tls_key_file = f.tls_key;
  opts.http.log = [](std::string_view line) { std::cerr << "conformance-hub: " << line << std::endl; };
  if (f.send_timeout) opts.http.send_timeout = *f.send_timeout;
  if (f.negotiate_timeout) opts.http.negotiate_timeout = *f.negotiate_timeout;
  if (f.max_outbound_bytes) opts.http.max_outbound_bytes = *f.max_outbound_bytes;
  if (f.max_buffer) opts.http.max_buffer = *f.max_buffer;
  if (f.max_connections) opts.http.max_connections = *f.max_connections;
  if (f.max_header_bytes) opts.http.max_header_bytes = *f.max_header_bytes;
  if (f.max_header_count) opts.http.max_header_count = *f.max_header_count;
  if (f.max_request_body) opts.http.max_request_body = *f.max_request_body;
  if (f.max_pending_negotiations) opts.http.max_pending_connections = *f.max_pending_negotiations;
  opts.metrics_address = f.metrics;
  actorhub::node app(opts);

  auto test_hub = app.add_hub(conformance::make_test_hub(app.name()));
  app.map_hub("/testhub-nowebsockets", "testhub",
             actorhub::transport_server_sent_events | actorhub::transport_long_polling);
  app.add_hub(conformance::make_authorized_hub());
  app.add_hub(conformance::make_chat_hub());
  conformance::add_client_result_route(app.http(), test_hub);
  conformance::add_redirect_route(app.http());
  conformance::add_negotiate_cookies(app.http());
  app.http().add_raw_endpoint("/echo", conformance::make_echo_endpoint());

  std::string what;
  if (auto ec = app.start(&what)) {
    std::cerr << "conformance-hub: cannot listen on " << what << ": " << ec.message() << std::endl;
    return 1;
  }
  std::cout << "conformance-hub '" << app.name() << "' serving " << (f.tls_cert.empty() ? "http" : "https") << "://" << f.http.host << ":" << app.http().port()
            << std::endl;
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
  if (auto tls = actorhub::tls_files_error(f.tls_cert, f.tls_key); !tls.empty()) {
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
