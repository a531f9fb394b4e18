// The gateway actor: one per gateway process, published on --server-port. It admits app servers after a
// challenge proving the access key (the key never travels; both sides prove it with HMAC over fresh nonces,
// compared in constant time), monitors them, and owns the gateway-wide registry of every hub: the client
// connections the gateway holds (whichever app server hosts them), their users and groups. What an app server
// sends (records for one connection, deliveries, group changes, client results, presence) is applied here, so a
// broadcast costs the app server one message encoded once and the gateway fans it out. Messages from processes
// that are not admitted app servers are dropped, except the two handshake steps. Internal.
//
// The I/O threads talk to it with local messages (a client attached to an app server or serverless, a client
// gone, a REST call); a client's own frames go straight from its I/O thread to its app server's link actor (in
// order, after the open_connection sent the same way), so they never queue behind other clients here.
#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include <actorhub/http_types.hpp>
#include <actorhub/send_target.hpp>
#include "net/encoded_message.hpp"
#include "net/hub_connection.hpp"

namespace prometheus {
class Gauge;
}

namespace actorhub {
class gateway_metrics;
}

namespace actorhub::gateway {

// One admitted link of an app server, as the I/O threads see it (to place new clients). An app server may hold
// several links (--service-links): each is admitted on its own and is a slot of its own; a client is bound to one
// slot for its life, and everything about it travels over that link.
class client_outbox;

struct server_slot {
  std::string id;       // "<process>#<link>": unique per link
  std::string process;  // the app server's id (one per process start), the same for all its links
  std::string name;     // its --name
  std::uint32_t index = 0;  // which of its links
  caf::actor link;    // the app server's link actor (remote)
  caf::actor outbox;  // what the gateway actor sends the app server goes through it (in order, coalesced; link.hpp)
  std::shared_ptr<client_outbox> from_clients;  // what the I/O threads send it (client_outbox.hpp)
  std::atomic<std::size_t> clients{0};
  std::atomic<bool> draining{false};
  prometheus::Gauge* gauge = nullptr;  // actorhub_gateway_clients{server}
};
using server_ptr = std::shared_ptr<server_slot>;

// Which app servers run which hub. Written by the gateway actor, read by the I/O threads.
class server_directory {
 public:
  // The app-server link for a new client of `hub`: the least loaded link of the server named `pinned` (its
  // --name, from the token) if that server runs the hub and is not draining, else the least loaded link of any
  // server that does; null when none does (the hub is serverless).
  server_ptr pick(const std::string& hub, const std::string& pinned) const;
  void put(const server_ptr& s);
  void set_hubs(const std::string& id, std::vector<std::string> hubs);
  void remove(const std::string& id);
  std::size_t size() const;
  bool runs(const std::string& hub) const;

 private:
  struct entry {
    server_ptr server;
    std::set<std::string> hubs;
  };
  mutable std::mutex mu_;
  std::map<std::string, entry> servers_;
};

using g_attach_atom = caf::atom_constant<caf::atom("g_attach")>;
using g_detach_atom = caf::atom_constant<caf::atom("g_detach")>;
using g_rest_atom = caf::atom_constant<caf::atom("g_rest")>;
using g_hello_atom = caf::atom_constant<caf::atom("g_hello")>;
// A delivery forwarded by another gateway of the cluster (its sequence number on the channel between the two,
// gateway_wire hub_delivery bytes): fanned out to this gateway's own clients only.
using g_peer_atom = caf::atom_constant<caf::atom("g_peer")>;
// The receiving gateway's credit for those deliveries (cluster_wire credit bytes): it has taken them up to there.
using g_peer_credit_atom = caf::atom_constant<caf::atom("g_pcredit")>;
// A presence question from another gateway (gateway_wire presence_query bytes) -> its presence_answer bytes,
// for this gateway's own clients.
using g_peer_presence_atom = caf::atom_constant<caf::atom("g_ppres")>;
// A REST operation on a connection the asking gateway does not hold (gateway_wire connection_op bytes) -> a
// presence_answer whose `found` says whether this gateway held it (and applied the operation).
using g_peer_conn_atom = caf::atom_constant<caf::atom("g_pconn")>;
// A client result for a connection the asking gateway does not hold (gateway_wire client_invocation bytes, id 0)
// -> client_result bytes: the result from the connection's app server if this gateway holds the connection,
// else status no_connection at once.
using g_peer_invoke_atom = caf::atom_constant<caf::atom("g_pinvoke")>;
// The pseudo hub under which gateways announce their gateway actors to each other through the cluster's node
// actor (as cluster routers announce theirs per hub).
inline constexpr const char* peers_hub = "$gateways";

// A client connection the gateway now holds; `server` null: serverless.
struct client_attach {
  std::string hub;
  std::string connection_id;
  std::string user_id;
  hub_connection_ptr conn;
  server_ptr server;
};

// One REST API operation (rest_api.cpp parsed and authorised it); the gateway actor answers `respond`.
struct rest_call {
  enum class op : std::uint8_t {
    send,              // `target` <- `message`
    add_to_group,      // connection_id -> group (404 for an unknown connection)
    remove_from_group,
    connection_exists,
    user_exists,
    group_exists,
    close_connection,  // with `reason`
  };
  op what = op::send;
  std::string hub;
  send_target target;
  encoded_ptr message;
  std::string connection_id;
  std::string group;
  std::string user;
  std::string reason;
  http_responder respond;
};

struct gateway_settings {
  std::string key;          // the access key
  std::shared_ptr<std::string> client_base;  // "http://host:port" of the client endpoint
  std::shared_ptr<server_directory> directory;
  std::shared_ptr<std::atomic<std::size_t>> servers;  // admitted app servers, for /healthz
  gateway_metrics* metrics = nullptr;
  prometheus::Gauge* app_servers = nullptr;  // actorhub_app_servers
};

caf::actor spawn_gateway_actor(caf::actor_system& sys, gateway_settings settings);

}  // namespace actorhub::gateway

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorhub::gateway::client_attach)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorhub::gateway::rest_call)
