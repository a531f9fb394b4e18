// A hub built against the installed actorhub package: /chat, Send(name, message) -> ReceiveMessage on all.
//   chat_hub [PORT]     serves 127.0.0.1:PORT (default 5000) until SIGTERM/SIGINT
//   chat_hub --check    binds a free port, stops again and exits 0 (what the package test runs)
#include <cstdio>
#include <string>

#include <actorhub/node.hpp>

int main(int argc, char** argv) {
  const bool check = argc > 1 && std::string{argv[1]} == "--check";
  actorhub::hub chat("chat");
  chat.on("Send", [](actorhub::hub_call& call, std::string name, std::string message) {
    call.clients().all().send("ReceiveMessage", name, message);
  });

  actorhub::node_options options;
  options.http.port = check ? 0 : static_cast<std::uint16_t>(argc > 1 ? std::stoi(argv[1]) : 5000);
  actorhub::node app(options);
  app.add_hub(std::move(chat));
  if (auto ec = app.start()) return std::fprintf(stderr, "chat_hub: %s\n", ec.message().c_str()), 1;
  std::printf("chat hub at http://127.0.0.1:%u/chat\n", static_cast<unsigned>(app.http().port()));
  if (check) app.stop();
  return app.run();
}
