// The HTTP front end: negotiate, WebSockets (then SSE and long polling), the hub protocol framing and
// handshake, keep-alive and timeouts, custom routes and static files. It knows hubs only as hub_endpoint.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <actorhub/http_routes.hpp>
#include <actorhub/http_types.hpp>
#include <actorhub/raw_connection.hpp>
#include <actorhub/server_options.hpp>
#include <actorhub/transports.hpp>
#include "net/hub_connection.hpp"
#include "net/session_snapshot.hpp"

namespace actorhub {

class metrics;  // monitoring/metrics.hpp

class server final : public http_routes {
 public:
  server(server_options opts, std::shared_ptr<metrics> m = nullptr);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Registers a hub at `path` ("/testhub"; matched case-insensitively). Before listen().
  void add_hub(std::string path, std::shared_ptr<hub_endpoint> hub, unsigned transports = all_transports);
  void add_route(std::string prefix, http_handler handler) override;
  void serve_static(std::string prefix, std::filesystem::path dir) override;
  // Body of `GET /healthz` (a JSON object); the default is {"status":"ok"}. A route registered for
  // "/healthz" with add_route takes precedence (e.g. to answer 503).
  void set_health(std::function<std::string()> body);
  void add_raw_endpoint(std::string path, std::shared_ptr<raw_endpoint> endpoint,
                        unsigned transports = all_transports) override;
  void set_negotiate_decorator(std::function<void(const http_request&, http_response&)> decorate) override;

  // Hosted mode: answers `POST {hub}/negotiate` of a hub (not a raw endpoint) instead of the built-in negotiate,
  // once the request's token (if any) was accepted; `user_id`/`claims` are the caller's. A response replaces the
  // built-in one (an app server redirects to its gateway; a gateway refuses a token meant for another URL),
  // nullopt keeps it. The negotiate decorator still runs. Before listen().
  using negotiate_override = std::function<std::optional<http_response>(
      const http_request& req, const hub_endpoint& hub, const std::string& user_id, const object& claims)>;
  void set_negotiate_override(negotiate_override handler);

  // Transport requests (WebSocket, SSE, long polls, POST, DELETE) whose `id` this endpoint does not know are
  // forwarded to the client endpoint ("host:port") the locator names for it, invisibly to the client; nullopt
  // (or no locator) answers 404 here as before. Negotiate is always answered here. The locator runs on I/O
  // threads: it must be quick and must not block. A request is forwarded at most once (the target answers
  // 404 itself if it does not know the id either), so the locator may name this endpoint without a loop.
  // Thread-safe, at any time; an empty function removes it.
  void set_locator(std::function<std::optional<std::string>(std::string_view token)> locator);

  // ---- Handing stateful-reconnect connections to another endpoint (e.g. a node that drains). Thread-safe;
  // neither call blocks.
  //
  // export_session detaches the connection of `token` and returns its state, or nullopt when there is no such
  // connection here or it cannot move (only open hub connections over WebSockets that negotiated stateful
  // reconnect can). From the moment it returns:
  // - the hub layer is NOT told that the connection ended: its hub_inbound gets no further call from net/, ever
  //   (no on_messages, no on_closed). It is handed to `take_receiver` (on the connection's I/O thread, right
  //   after a call to it that is running, if any, returned), or destroyed there without a call when none is
  //   given; what it tells its hub layer then is the hub layer's decision. Every batch it was given is
  //   covered by `last_inbound_seq`;
  // - hub_connection::send on that connection returns false; every send that returned true is in `unacked`
  //   (unless the client acknowledged it); close() does nothing;
  // - the client gets no Close message: its socket is closed abruptly so that its stateful reconnect starts,
  //   either now or, with `close_transport` false, at close_exported(token) (at the latest after
  //   disconnect_timeout): import the snapshot elsewhere and update the locator first, so that the client's
  //   one reconnect attempt finds it;
  // - the token is forgotten here: a transport request for it is forwarded like any unknown id.
  std::optional<session_snapshot> export_session(std::string_view token,
                                                 std::function<void(std::unique_ptr<hub_inbound>)> take_receiver = {},
                                                 bool close_transport = true);
  // Closes the client socket of a connection exported with close_transport false; false when there is none.
  bool close_exported(std::string_view token);
  // Creates the connection of `snapshot` here in the state of one whose WebSocket just dropped; its hub's
  // hub_endpoint::resume is called right after, on the connection's I/O thread (before any frame of the client;
  // a hub that refuses, returning null, ends it). It waits for the client's reconnect (a WebSocket request with
  // the same `id`, for at most disconnect_timeout, else it ends with on_closed); then it sends a Sequence message
  // and replays the unacknowledged records, followed by whatever was sent meanwhile, exactly as after a local
  // stateful reconnect. False when the hub path is not registered here, the protocol is unknown, the token is
  // in use here, the records are inconsistent, or the server is stopping.
  bool import_session(session_snapshot snapshot);

  // The connections export_session may move (open hub connections over WebSockets that negotiated stateful
  // reconnect), as their public id, token and hub path. Thread-safe.
  struct movable_session {
    std::string connection_id;
    std::string token;
    std::string hub_path;
  };
  std::vector<movable_session> movable_sessions() const;

  // Closes the listening socket (a node that drains): new TCP connections are refused, so a load balancer sends
  // them elsewhere; the connections already open carry on until stop(). Thread-safe; does not block.
  void stop_accepting();

  // Binds and listens; returns an error (e.g. address in use, or TLS files that do not load: the reason is
  // logged through options.log) instead of throwing.
  std::error_code listen();
  std::uint16_t port() const noexcept override;

  // Runs the I/O threads (the caller's thread is one of them); returns after stop() has completed.
  // Destroy the server only after run() returned (or when it never ran).
  void run();
  // Thread-safe: sends every client a Close message (with `allow_reconnect`: e.g. a cluster node that drains,
  // whose clients can continue on another node), closes transports, stops accepting, ends run().
  void stop(bool allow_reconnect = false);

  const server_options& options() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace actorhub
