// The negotiate response body (see negotiate.hpp), written with Boost.JSON.
#include "net/transport/negotiate.hpp"

#include <boost/json.hpp>

#include "net/server.hpp"

namespace actorhub::transport {

namespace json = boost::json;

std::string negotiate_body(const negotiate_reply& r) {
  json::object o;
  if (r.connection_token) o["connectionToken"] = *r.connection_token;
  o["connectionId"] = r.connection_id;
  o["negotiateVersion"] = r.version;
  json::array transports;
  auto add = [&](const char* name, std::initializer_list<const char*> formats) {
    json::array f;
    for (const char* x : formats) f.emplace_back(x);
    transports.emplace_back(json::object{{"transport", name}, {"transferFormats", std::move(f)}});
  };
  if (r.transports & transport_websockets) add("WebSockets", {"Text", "Binary"});
  if (r.transports & transport_server_sent_events) add("ServerSentEvents", {"Text"});
  if (r.transports & transport_long_polling) add("LongPolling", {"Text", "Binary"});
  o["availableTransports"] = std::move(transports);
  if (r.stateful_reconnect) o["useStatefulReconnect"] = true;
  return json::serialize(o);
}

std::string negotiate_error_body(const std::string& error) {
  json::object o;
  o["error"] = error;
  return json::serialize(o);
}

}  // namespace actorhub::transport
