// The transport handle the hub layer sees for one client connection. Implemented by net/; thread-safe;
// never blocks. The hub layer knows nothing of sockets, transports or framing beyond this.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <actorhub/connection_info.hpp>
#include "net/encoded_message.hpp"
#include "net/hub_protocol.hpp"

namespace actorhub {

class hub_connection {
 public:
  virtual ~hub_connection() = default;

  virtual const connection_info& info() const noexcept = 0;
  virtual const hub_protocol& protocol() const noexcept = 0;

  // Queues the message's bytes for this connection's protocol. Returns false when the connection is closed
  // (or was just closed because its bounded outbound queue overflowed: a slow client never grows memory).
  virtual bool send(const encoded_ptr& msg) = 0;

  // Sends a Close message (with `error` and `allow_reconnect`) after what is already queued, then closes
  // the transport. Idempotent.
  virtual void close(std::optional<std::string> error = std::nullopt, bool allow_reconnect = false) = 0;
};

using hub_connection_ptr = std::shared_ptr<hub_connection>;

// Receives the decoded inbound messages of one connection. Implemented by the hub layer, created by a
// hub_endpoint when a connection completes its handshake.
class hub_inbound {
 public:
  virtual ~hub_inbound() = default;
  // One call per transport frame (or POST body), in arrival order, never concurrently for one connection.
  // Ping, Ack and Sequence are consumed by net/ and never appear here. A Close from the client is
  // reported through on_closed, not here.
  virtual void on_messages(std::vector<hub_message>&& batch) = 0;
  // Called exactly once when the connection is gone (client close, transport loss, timeout, server close).
  // `error` is set when it ended with an error.
  virtual void on_closed(std::optional<std::string> error) = 0;
};

// A hub served at one path (e.g. "/testhub"). Implemented by the hub layer, registered with the server.
class hub_endpoint {
 public:
  virtual ~hub_endpoint() = default;
  // Connections to a hub that requires authentication are refused with 401 without a valid token.
  virtual bool requires_authentication() const noexcept { return false; }
  // Called once per connection after a successful handshake; the returned receiver gets its messages.
  virtual std::unique_ptr<hub_inbound> connect(hub_connection_ptr conn) = 0;
  // Called instead of connect() for a connection that continues here with its state from another endpoint
  // (server::import_session): no handshake; the client is not connected yet, it reconnects within the
  // disconnect timeout (then the receiver gets its messages as usual) or the connection ends (on_closed).
  // Messages sent meanwhile are kept for the client. The default treats it as a new connection.
  virtual std::unique_ptr<hub_inbound> resume(hub_connection_ptr conn) { return connect(std::move(conn)); }
};

}  // namespace actorhub
