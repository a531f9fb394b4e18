// /chat: the smallest useful hub.
#include "hubs.hpp"

#include <utility>

namespace conformance {

actorhub::hub make_chat_hub(std::string server_name) {
  actorhub::hub h("chat");
  h.on("Send", [](actorhub::hub_call& c, std::string name, std::string message) {
    c.clients().all().send("ReceiveMessage", name, message);
  });
  h.on("WhereAmI", [name = std::move(server_name)](actorhub::hub_call&) { return name; });
  return h;
}

}  // namespace conformance
