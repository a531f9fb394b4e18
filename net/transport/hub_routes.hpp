// The decisions behind the hub endpoint's HTTP requests, free of Beast: negotiate, who may open which
// transport on which connection, SSE/long-polling sends (POST), long polls and DELETE. The Beast side
// (http_session, websocket_session) only does the I/O.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include <actorhub/http_types.hpp>
#include "net/transport/server_state.hpp"
#include "net/transport/session.hpp"

namespace actorhub::transport {

struct hub_target {
  const hub_entry* hub = nullptr;
  bool negotiate = false;  // {hub}/negotiate
};
// Matches `path` (case-insensitive; a trailing '/' is ignored) against the registered hubs.
hub_target match_hub(const server_state& st, std::string_view path);

http_response text_response(int status, std::string body);

// POST {hub}/negotiate
http_response negotiate(server_state& st, const hub_entry& hub, const http_request& req);

struct transport_open {
  std::optional<http_response> refused;
  std::shared_ptr<session> s;
  bool created = false;  // this request created the session (its first transport request)
  bool resume = false;   // stateful reconnect: a new WebSocket takes over
};
// GET {hub}[?id=]: may this request open a `kind` transport, and on which session? `exec` is the strand
// a new WebSocket session should use (its socket's).
transport_open open_transport(const std::shared_ptr<server_state>& st, const hub_entry& hub,
                              const http_request& req, transport_kind kind, boost::asio::any_io_executor exec);

// GET {hub}?id= without Accept: text/event-stream.
void long_poll(const std::shared_ptr<server_state>& st, const hub_entry& hub, const http_request& req,
               http_responder respond);
// POST {hub}?id=: client-to-server data for SSE/long polling; 200 once processed. Moves the body.
void post_data(const std::shared_ptr<server_state>& st, const hub_entry& hub, http_request& req,
               http_responder respond);
// DELETE {hub}?id=: ends a long-polling connection (202).
void delete_connection(const std::shared_ptr<server_state>& st, const hub_entry& hub, const http_request& req,
                       http_responder respond);

}  // namespace actorhub::transport
