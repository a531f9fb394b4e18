// One accepted HTTP connection: requests (keep-alive), routing, and hand-off to the WebSocket and
// Server-Sent Events transports. The only declaration here is free of Beast; the Beast code stays in the .cpp.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace actorhub::transport {

struct server_state;

// `buffered`: bytes already read from the socket (a connection handed back after a forwarded request).
void start_http_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<server_state> st,
                        std::string buffered = {});

}  // namespace actorhub::transport
