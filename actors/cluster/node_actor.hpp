// The node actor: one per clustered process, published on --node. It admits other nodes after a challenge
// proving the cluster key (the key never travels), keeps the member list (transitive: every admitted node
// tells the others it knows), monitors every member (CAF's heartbeat and connection timeout detect a dead or
// frozen one; a node leaving on purpose says so), re-dials lost members and the --join targets until they
// answer, and tells this process's hub routers which routers of the other nodes to link to. Everything it
// receives from other processes is schema/cluster_wire.hpp bytes; messages from nodes that are not admitted
// members are dropped. Internal.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <actorhub/host_port.hpp>
#include "schema/cluster_wire.hpp"

namespace actorhub {
class cluster_metrics;
}

namespace actorhub::cluster {

using hello_atom = caf::atom_constant<caf::atom("c_hello")>;
using proof_atom = caf::atom_constant<caf::atom("c_proof")>;
using members_atom = caf::atom_constant<caf::atom("c_members")>;
using leaving_atom = caf::atom_constant<caf::atom("c_leaving")>;
using peer_router_atom = caf::atom_constant<caf::atom("c_router")>;
using local_router_atom = caf::atom_constant<caf::atom("l_router")>;
using join_atom = caf::atom_constant<caf::atom("l_join")>;
using leave_atom = caf::atom_constant<caf::atom("l_leave")>;
using retry_atom = caf::atom_constant<caf::atom("l_retry")>;
using self_info_atom = caf::atom_constant<caf::atom("l_self")>;  // a member_list of one: this node

struct node_settings {
  wire::node_info self;
  std::string key;                // the cluster key; "" when none
  std::vector<host_port> join;    // dialled until they answer, and again whenever lost
  std::chrono::milliseconds retry{1000};
  std::chrono::milliseconds handshake_timeout{5000};
  bool tls = false;  // dial through CAF's OpenSSL module (its middleman actor) instead of the plain one
  // Live members including this node, for /healthz; written by the node actor only.
  std::shared_ptr<std::atomic<std::size_t>> members;
  // The client endpoints of the members by tag, for forwarding requests (read by the locator on I/O threads).
  std::shared_ptr<class member_addresses> addresses;
  cluster_metrics* metrics = nullptr;
};

caf::actor spawn_node_actor(caf::actor_system& sys, node_settings settings);

}  // namespace actorhub::cluster
