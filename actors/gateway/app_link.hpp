// The app server's side of a gateway link (docs/hosted.md). Internal.
//
//  - the link actor: dials the gateway (re-dialling with backoff), proves the access key, registers this server's
//    hubs, turns each open_connection into a standard connection actor (hub_host::connect with a proxy
//    hub_connection), feeds it the client's frames, and answers the requests that need the gateway (group
//    changes acknowledged once in effect, client results, presence);
//  - the proxy hub_connection: what a connection actor writes goes to the gateway as one record for that
//    connection, already encoded in the client's protocol;
//  - the proxy router (one per hub): sends become one delivery each, encoded once per protocol, fanned out by the
//    gateway.
//
// Order: a proxy connection's records and its router's deliveries are sent from the link actor's address to the
// same remote gateway actor, so CAF carries them on one ordered connection; the router acknowledges a send only
// after the delivery was handed to that connection, and the connection runtime holds its own writes until then
// (actors/connection/router_requests.cpp). So a client gets everything its connection caused in order.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <actorhub/host_port.hpp>
#include "actors/routing/router.hpp"

namespace actorhub {
class hub_host;
}

namespace actorhub::gateway {

using l_dial_atom = caf::atom_constant<caf::atom("l_dial")>;
using l_drain_atom = caf::atom_constant<caf::atom("l_drain")>;
using l_close_atom = caf::atom_constant<caf::atom("l_closeall")>;
using l_inflight_atom = caf::atom_constant<caf::atom("l_inflight")>;

// What the link actor, the proxy routers and the node share.
struct link_shared {
  std::mutex mu;
  caf::actor gateway;       // the remote gateway actor while linked
  std::string client_base;  // the gateway's client endpoint ("http://host:port"), from its admission
  std::atomic<bool> linked{false};
  std::atomic<bool> draining{false};
  caf::actor link;  // the link actor (every message to the gateway is sent as from it)

  caf::actor current_gateway() {
    std::lock_guard<std::mutex> lk(mu);
    return gateway;
  }
  std::string base() {
    std::lock_guard<std::mutex> lk(mu);
    return client_base;
  }
};

struct link_settings {
  std::string server_id;  // unique per process start
  std::string name;
  std::string key;
  host_port gateway;  // the gateway dialled (first the home one)
  // Every gateway this server may link to, home first (several gateways of one cluster): each dial after a
  // failure or a lost link tries the next one. Empty: only `gateway`.
  std::vector<host_port> gateways;
  bool tls = false;  // dial through CAF's openssl module (configured by the deployment)
  std::chrono::milliseconds retry{200};
  std::chrono::milliseconds max_retry{3000};
  std::size_t max_message_size = 32 * 1024;
  const std::map<std::string, std::shared_ptr<hub_host>>* hosts = nullptr;
  std::shared_ptr<link_shared> shared;
};

caf::actor spawn_link_actor(caf::actor_system& sys, link_settings settings);
router_actor spawn_proxy_router(caf::actor_system& sys, std::string hub, std::shared_ptr<link_shared> shared);

}  // namespace actorhub::gateway
