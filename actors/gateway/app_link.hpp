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
// Several links (--service-links N): N link actors, each admitted by the gateway on its own, each with its own
// mailbox, outbox and share of the clients (the gateway places each new client on the least loaded link of the
// app server), so one busy link (a large invocation to decode, a burst to encode) does not hold up the others.
// CAF carries them all on its one connection between the two processes.
//
// Order: a proxy connection's records and the deliveries its sends cause go through the same link actor (the
// proxy router sends a delivery over the link of the connection that sent it) to the same remote gateway actor,
// so CAF carries them in order; the router acknowledges a send only after the delivery was handed to that link,
// and the connection runtime holds its own writes until then (actors/connection/router_requests.cpp). So a
// client gets everything its connection caused in order. Sends from outside a connection (hub_context) go over
// the first link that is up.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
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

// One link as the others see it.
struct link_status {
  caf::actor actor;  // the link actor (every message to the gateway over this link is sent as from it)
  std::atomic<bool> linked{false};
  std::mutex mu;
  caf::actor gateway;  // the remote gateway actor while linked

  caf::actor current_gateway() {
    std::lock_guard<std::mutex> lk(mu);
    return gateway;
  }
};

// What the link actors, the proxy routers and the node share. `links` is filled before any link actor runs and
// never changes after.
struct link_shared {
  std::vector<std::unique_ptr<link_status>> links;
  std::atomic<bool> draining{false};
  std::mutex mu;
  std::string client_base;  // the gateway's client endpoint ("http://host:port"), from the latest admission
  // Which link hosts each client connection (written by the link actors, read by the proxy routers at attach).
  std::unordered_map<std::string, std::size_t> owners;

  link_status& add_link() { return *links.emplace_back(std::make_unique<link_status>()); }
  std::size_t linked() const {
    std::size_t n = 0;
    for (auto& l : links) n += l->linked.load() ? 1 : 0;
    return n;
  }
  // The first link that is up, else the first link (for sends that no connection made).
  caf::actor any_link() const {
    for (auto& l : links)
      if (l->linked.load()) return l->actor;
    return links.empty() ? caf::actor() : links.front()->actor;
  }
  std::string base() {
    std::lock_guard<std::mutex> lk(mu);
    return client_base;
  }
  void set_owner(const std::string& connection_id, std::size_t link) {
    std::lock_guard<std::mutex> lk(mu);
    owners[connection_id] = link;
  }
  void drop_owner(const std::string& connection_id) {
    std::lock_guard<std::mutex> lk(mu);
    owners.erase(connection_id);
  }
  // The link actor hosting `connection_id`, or null.
  caf::actor owner(const std::string& connection_id) {
    std::lock_guard<std::mutex> lk(mu);
    auto i = owners.find(connection_id);
    return i == owners.end() || i->second >= links.size() ? caf::actor() : links[i->second]->actor;
  }
};

struct link_settings {
  std::string server_id;  // unique per process start (the same for all its links)
  std::size_t index = 0;  // which of shared->links this link actor is
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
