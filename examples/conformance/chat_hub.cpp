// /chat: the smallest useful hub.
#include "hubs.hpp"

namespace conformance {

actorhub::hub make_chat_hub() {
  actorhub::hub h("chat");
  h.on("Send", [](actorhub::hub_call& c, std::string name, std::string message) {
    c.clients().all().send("ReceiveMessage", name, message);
  });
  return h;
}

}  // namespace conformance
