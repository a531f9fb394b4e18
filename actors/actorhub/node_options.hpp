// How a node is configured. One node type serves all deployment models; which one is decided here:
//   single server    defaults (a client endpoint, hubs in this process)
//   cluster node     `cluster` set (see docs/cluster.md)
//   app server       `service` set: hubs run here, clients connect to a gateway (see docs/hosted.md)
//   gateway          `gateway` set: holds the clients of app servers that link to it
// Hub-author settings live in hub_options (hub.hpp); everything here belongs to whoever runs the process.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <actorhub/server_options.hpp>

namespace actorhub {

// Per-connection bounds of the hub layer. Exceeding one closes that connection (or fails that call) with a
// clear error; nobody else is affected.
struct connection_limits {
  // Invocations received but not started yet; more closes the connection.
  std::size_t max_queued_invocations = 1024;
  // Transport frames handed to the connection but not processed yet; more closes the connection.
  std::size_t max_inflight_batches = 4096;
  // Client-to-server stream items buffered before the method consumes them, per stream; more closes it.
  std::size_t max_buffered_stream_items = 1024;
  // Server-to-client streams open at once; more StreamInvocations fail with an error Completion.
  std::size_t max_streams = 1024;
};

// Where hub methods run. By default a method runs on the thread that read its invocation (no thread hop) once
// it has shown itself to be quick; a method that is new or has ever been slow runs on the blocking pool, so a
// handler that blocks (a database call, a sleep) delays only its own connection. See docs/api.md "Threads".
struct dispatch_options {
  // Run quick methods inline on the I/O thread when the connection's actor is idle. Off: they run on the
  // actor scheduler's threads (the plain path).
  bool inline_dispatch = true;
  // Calls a new method makes on the blocking pool, each quicker than `quick_call`, before it may run inline.
  unsigned probation_calls = 8;
  std::chrono::microseconds quick_call{1'000};
  // A handler running longer than this is slow: it is named once in the log and in
  // actorhub_slow_methods_total, and the method runs on the blocking pool from then on.
  std::chrono::milliseconds slow_call{20};
  // Threads of the blocking pool (started on demand, stopped after a minute idle).
  std::size_t max_blocking_threads = 64;
};

// A cluster node (docs/cluster.md): set `port` to join a cluster. Without a key a node binds loopback only.
struct cluster_options {
  std::optional<std::uint16_t> port;   // --node PORT: publish this node there (0: any free port)
  std::string bind = "127.0.0.1";      // --node-bind ADDRESS: where the node listens
  std::string advertise;               // --advertise HOST:PORT: how the others reach it ("" = bind:port)
  std::vector<std::string> join;       // --join HOST:PORT (repeatable): members to join through
  std::string key;                     // --cluster-key: the shared secret every member proves
  std::string tls_cert, tls_key;       // --node-tls-cert/--node-tls-key: node links on TLS (PEM files)
  std::chrono::milliseconds heartbeat{1000};        // between nodes
  std::chrono::milliseconds failure_timeout{4000};  // a member silent this long is dropped
  std::chrono::milliseconds retry{1000};            // dialling join targets and lost members again

  bool enabled() const noexcept { return port.has_value(); }
};

// An app server (docs/hosted.md): its hubs run here, its clients connect to a gateway. Set `gateway` to link to
// one; the access key (server_options::access_key) proves this server to the gateway and signs the clients'
// redirect tokens.
struct service_options {
  std::string gateway;  // --service HOST:PORT: the gateway's --server-port
  // More gateways of the same cluster (--service repeated): after a failed dial or a lost link the next one in
  // turn is dialled, so an app server whose gateway died links to another.
  std::vector<std::string> more_gateways;
  // Links to the gateway (--service-links, 1-16), like Azure's server connections: each is its own ordered
  // channel with its own share of the clients, so one busy link does not hold up the others.
  std::size_t links = 1;
  std::chrono::milliseconds retry{200};       // first re-dial after the link is lost (doubles up to max_retry)
  std::chrono::milliseconds max_retry{3000};
  std::chrono::seconds token_lifetime{3600};  // `exp` of the redirect token (at most 1 h)
  std::chrono::milliseconds heartbeat{1000};        // on the link
  std::chrono::milliseconds failure_timeout{3000};  // a gateway silent this long is lost
  // --service-tls-cert/--service-tls-key/--service-tls-ca: the link on TLS (PEM files). Both ends present a
  // certificate and verify the other's against the CA file ("": the certificate file itself), see docs/hosted.md.
  std::string tls_cert, tls_key, tls_ca;

  bool enabled() const noexcept { return !gateway.empty(); }
};

// A gateway (docs/hosted.md): holds the client connections of the app servers that link to it, serves clients at
// /client/?hub=H and the REST API. Needs the access key (server_options::access_key).
struct gateway_options {
  std::optional<std::uint16_t> server_port;  // --server-port: where app servers link (0: any free port)
  std::string server_bind = "127.0.0.1";     // --server-bind: the address it listens on
  // How clients reach the client endpoint, "http://host:port" ("": from the --http address). The base of the
  // redirect URL and of every token's `aud`.
  std::string public_url;
  std::chrono::milliseconds heartbeat{1000};        // on app-server links
  std::chrono::milliseconds failure_timeout{3000};  // an app server silent this long is lost (its clients closed)
  // --server-tls-cert/--server-tls-key/--server-tls-ca: app-server links on TLS (PEM files); the CA file ("": the
  // certificate file itself) verifies the certificates app servers present.
  std::string tls_cert, tls_key, tls_ca;

  bool enabled() const noexcept { return server_port.has_value(); }
};

struct node_options {
  std::string name;  // GetServerName, /healthz; empty: a unique name is chosen
  // The client endpoint: HTTP, WebSocket, SSE, long polling (address, port, transport limits).
  bool client_endpoint = true;
  server_options http;
  std::string metrics_address;    // "127.0.0.1:9100" serves GET /metrics there; empty: not exposed
  // GET /actorhub/presence/{hub}/... on the client endpoint (docs/api.md "Presence"); needs a token signed
  // with the access key when one is set.
  bool presence_endpoint = false;
  std::size_t actor_threads = 2;  // the actor scheduler's threads (policy `sharing`)
  connection_limits limits;
  dispatch_options dispatch;
  cluster_options cluster;
  service_options service;
  gateway_options gateway;
};

}  // namespace actorhub
