// chat-server: the chat demo. Hub /chat: Send(name, message) -> every client gets ReceiveMessage(name, message);
// the page in --web is served at "/".
//   chat-server [--http 127.0.0.1:5000] [--web DIR]
#include <filesystem>
#include <iostream>
#include <string>

#include <actorhub/host_port.hpp>
#include <actorhub/node.hpp>

#ifndef ACTORHUB_CHAT_WEB_DIR
// The web/ folder next to this source file (the build passes absolute source paths).
#define ACTORHUB_CHAT_WEB_DIR ""
#endif

namespace {

actorhub::hub chat_hub() {
  actorhub::hub chat("chat");
  chat.on("Send", [](actorhub::hub_call& c, std::string name, std::string message) {
    c.clients().all().send("ReceiveMessage", name, message);
  });
  return chat;
}

std::filesystem::path default_web_dir() {
  std::string configured = ACTORHUB_CHAT_WEB_DIR;
  if (!configured.empty()) return configured;
  return std::filesystem::path(__FILE__).parent_path() / "web";
}

}  // namespace

int main(int argc, char** argv) {
  actorhub::node_options opts;
  opts.http.address = "127.0.0.1";
  opts.http.port = 5000;
  std::filesystem::path web = default_web_dir();
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "-h" || flag == "--help") {
      std::cout << "usage: chat-server [--http HOST:PORT] [--web DIR]\n";
      return 0;
    }
    if ((flag != "--http" && flag != "--web") || i + 1 >= argc) {
      std::cerr << "chat-server: " << (i + 1 >= argc && (flag == "--http" || flag == "--web") ? "missing value for " : "unknown flag ")
                << flag << std::endl;
      return 2;
    }
    std::string v = argv[++i];
    if (flag == "--web") {
      web = v;
    } else if (auto a = actorhub::parse_host_port(v)) {
      opts.http.address = a->host;
      opts.http.port = a->port;
    } else {
      std::cerr << "chat-server: malformed --http value '" << v << "' (expected HOST:PORT)" << std::endl;
      return 2;
    }
  }
  if (!std::filesystem::is_directory(web)) {
    std::cerr << "chat-server: --web " << web << " is not a directory" << std::endl;
    return 2;
  }
  try {
    actorhub::node app(opts);
    app.add_hub(chat_hub());
    app.http().serve_static("/", web);
    std::string what;
    if (auto ec = app.start(&what)) {
      std::cerr << "chat-server: cannot listen on " << what << ": " << ec.message() << std::endl;
      return 1;
    }
    std::cout << "chat-server: http://" << opts.http.address << ":" << app.http().port() << "/ (web: " << web.string()
              << ")" << std::endl;
    return app.run();
  } catch (const std::exception& e) {
    std::cerr << "chat-server: " << e.what() << std::endl;
    return 1;
  }
}
