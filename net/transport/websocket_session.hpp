// The WebSocket transport of one session (Beast): accept, read frames into the session, write coalesced
// batches, close. Included by the HTTP session only.
#pragma once

#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace actorhub::transport {

class session;
class tcp_ticket;

// Takes over `socket` after an upgrade request the hub routes accepted. `resume`: a stateful reconnect.
// `ticket` counts the TCP connection until the link ends.
void start_websocket(boost::asio::ip::tcp::socket socket,
                     boost::beast::http::request<boost::beast::http::string_body> req, std::shared_ptr<session> s,
                     bool resume, std::unique_ptr<tcp_ticket> ticket);

// The same over TLS (WSS): Beast's WebSocket stream on the TLS stream carries the frames (no bare-socket fast
// path: TLS records need the stream's own reads and writes).
void start_websocket_tls(boost::beast::ssl_stream<boost::beast::tcp_stream>&& stream,
                         boost::beast::http::request<boost::beast::http::string_body> req, std::shared_ptr<session> s,
                         bool resume, std::unique_ptr<tcp_ticket> ticket, std::shared_ptr<void> tls_context);

}  // namespace actorhub::transport
