// Handing stateful-reconnect connections between client endpoints (server::export_session / import_session,
// net/server.hpp): the export on the endpoint that gives a connection away, the import on the one that takes
// it, and the exported connections whose client socket is held open until the import is done.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "net/hub_connection.hpp"
#include "net/session_snapshot.hpp"

namespace actorhub::transport {

struct server_state;
class transport_link;

// Exported connections whose client socket stays open (silent) until close() or their deadline. Thread-safe.
class held_exports {
 public:
  void hold(std::string token, std::shared_ptr<transport_link> link, std::int64_t deadline_ms);
  bool close(std::string_view token);    // closes that socket now; false when not held
  void expire(std::int64_t now_ms);      // closes those past their deadline
  void close_all();
  void clear();  // forgets them without a word (the server is being destroyed: no handler may run)
  std::size_t size() const;

 private:
  struct held {
    std::shared_ptr<transport_link> link;
    std::int64_t deadline_ms;
  };
  mutable std::mutex mu_;
  std::unordered_map<std::string, held> held_;
};

using receiver_taker = std::function<void(std::unique_ptr<hub_inbound>)>;

std::optional<session_snapshot> export_session(server_state& st, std::string_view token, receiver_taker take,
                                               bool close_transport);
bool import_session(const std::shared_ptr<server_state>& st, session_snapshot snapshot);

}  // namespace actorhub::transport
