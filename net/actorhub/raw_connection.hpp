// A raw connection endpoint: negotiate and every transport, but no hub protocol and no handshake (like an
// ASP.NET ConnectionHandler). Each transport message is delivered as-is; text stays text, binary stays binary.
// Registered with server::add_raw_endpoint (e.g. the conformance `/echo` endpoint).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <actorhub/connection_info.hpp>

namespace actorhub {

// The transport handle of one raw connection. Thread-safe; never blocks.
class raw_connection {
 public:
  virtual ~raw_connection() = default;
  virtual const connection_info& info() const noexcept = 0;  // protocol is ""
  // Queues one message: one WebSocket message / one SSE event (text only); long polling concatenates
  // what is queued into one poll response. Returns false when closed (or just closed because the bounded
  // outbound queue overflowed).
  virtual bool send(std::string data, bool binary = false) = 0;
  // Closes the transport after what is already queued. Idempotent.
  virtual void close() = 0;
};

using raw_connection_ptr = std::shared_ptr<raw_connection>;

// Receives the messages of one raw connection, in order, never concurrently.
class raw_receiver {
 public:
  virtual ~raw_receiver() = default;
  virtual void on_message(std::string&& data, bool binary) = 0;
  // Exactly once, when the connection is gone.
  virtual void on_closed(std::optional<std::string> error) = 0;
};

class raw_endpoint {
 public:
  virtual ~raw_endpoint() = default;
  virtual bool requires_authentication() const noexcept { return false; }
  // Called once per connection when its transport opens.
  virtual std::unique_ptr<raw_receiver> connect(raw_connection_ptr conn) = 0;
};

}  // namespace actorhub
