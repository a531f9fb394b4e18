// hosted-chat: the chat demo in hosted mode (docs/hosted.md), as one program with two roles.
//
//   hosted-chat gateway --http 127.0.0.1:5000 --server-port 5090 --access-key KEY [--web DIR]
//       a gateway (node_options::gateway) that also serves the chat page at "/" and answers the page's
//       POST /chat/negotiate itself with a redirect to its own client URL (same origin for the browser; the
//       token it signs is not pinned, so the least loaded app server hosts the page's connection);
//   hosted-chat app --http 127.0.0.1:5001 --name app-1 --service 127.0.0.1:5090 --access-key KEY
//       an app server (node_options::service) running the hub /chat: Send(name, message) -> every client of the
//       hub, on any app server, gets ReceiveMessage(name, message); WhereAmI() -> this app server's name.
//
// examples/hosted/run starts a gateway and two app servers with one command.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include <actorhub/host_port.hpp>
#include <actorhub/node.hpp>
#include "net/access_token.hpp"

#ifndef ACTORHUB_CHAT_WEB_DIR
#define ACTORHUB_CHAT_WEB_DIR ""
#endif

namespace {

int fail(const std::string& text) {
  std::cerr << "hosted-chat: " << text << std::endl;
  return 2;
}

actorhub::hub chat_hub(std::string server) {
  actorhub::hub chat("chat");
  chat.on("Send", [](actorhub::hub_call& c, std::string name, std::string message) {
    c.clients().all().send("ReceiveMessage", name, message);  // one delivery; the gateway fans it out
  });
  chat.on("WhereAmI", [server] { return server; });
  return chat;
}

int run_gateway(actorhub::node_options o, const std::filesystem::path& web) {
  actorhub::node gw(o);
  auto key = o.http.access_key;
  auto port = o.http.port;
  auto host = o.http.address;
  // The page's negotiate, answered here: {url, accessToken} for this gateway's client URL of the hub.
  gw.http().add_route("/chat/negotiate", [key, host, port](const actorhub::http_request& req,
                                                           actorhub::http_responder respond) {
    if (req.method != "POST") return respond({405, "text/plain; charset=utf-8", "Method Not Allowed", {}});
    auto url = "http://" + actorhub::host_port{host, port}.text() + "/client/?hub=chat";
    auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    actorhub::object claims{{"aud", url}, {"exp", static_cast<std::int64_t>(now.count() + 3600)}};
    auto body = boost::json::serialize(
        boost::json::object{{"url", url}, {"accessToken", actorhub::sign_access_token(claims, key)}});
    respond({200, "application/json", body, {}});
  });
  if (!web.empty()) gw.http().serve_static("/", web);
  std::string what;
  if (auto ec = gw.start(&what)) {
    std::cerr << "hosted-chat: cannot listen on " << what << ": " << ec.message() << std::endl;
    return 1;
  }
  std::cout << "hosted-chat gateway: open http://" << host << ":" << gw.http().port() << "/" << std::endl;
  return gw.run();
}

int run_app(actorhub::node_options o) {
  actorhub::node app(o);
  app.add_hub(chat_hub(app.name()));
  std::string what;
  if (auto ec = app.start(&what)) {
    std::cerr << "hosted-chat: cannot listen on " << what << ": " << ec.message() << std::endl;
    return 1;
  }
  std::cout << "hosted-chat app server '" << app.name() << "' linking to " << o.service.gateway << std::endl;
  return app.run();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || (args[0] != "gateway" && args[0] != "app"))
    return fail("usage: hosted-chat gateway|app --http HOST:PORT --access-key KEY [--server-port PORT] [--web DIR] "
                "[--service HOST:PORT] [--name NAME]");
  bool gateway = args[0] == "gateway";
  actorhub::node_options o;
  std::filesystem::path web = ACTORHUB_CHAT_WEB_DIR;
  for (std::size_t i = 1; i < args.size(); ++i) {
    auto flag = args[i];
    if (i + 1 >= args.size()) return fail("missing value for " + flag);
    auto v = args[++i];
    if (flag == "--http") {
      auto a = actorhub::parse_host_port(v);
      if (!a) return fail("malformed --http value '" + v + "'");
      o.http.address = a->host;
      o.http.port = a->port;
    } else if (flag == "--access-key") {
      o.http.access_key = v;
    } else if (flag == "--server-port" && gateway) {
      o.gateway.server_port = static_cast<std::uint16_t>(std::stoi(v));
    } else if (flag == "--web" && gateway) {
      web = v;
    } else if (flag == "--service" && !gateway) {
      o.service.gateway = v;
    } else if (flag == "--name") {
      o.name = v;
    } else {
      return fail("unknown flag '" + flag + "'");
    }
  }
  if (o.http.access_key.empty()) return fail("--access-key is required");
  if (gateway && !o.gateway.enabled()) return fail("a gateway needs --server-port");
  if (!gateway && !o.service.enabled()) return fail("an app server needs --service HOST:PORT");
  try {
    return gateway ? run_gateway(o, web) : run_app(o);
  } catch (const std::exception& e) {
    std::cerr << "hosted-chat: " << e.what() << std::endl;
    return 1;
  }
}
