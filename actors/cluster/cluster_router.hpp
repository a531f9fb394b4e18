// The router of one hub on a cluster node: the hub's local registry (as local_router has it) plus links to the
// same hub's router on every other member. A send fans out locally and goes, encoded once in every protocol, as
// ONE message to each other node that has targets (all: every node; a group or user: only the nodes the
// directory lists; a connection: the node its id's tag names); that node fans out on its own. Membership
// changes complete once every node has them (directory announcements are acknowledged); a send's `ok` never
// waits for another node.
//
// Between two nodes the messages of one hub travel on one ordered channel (router to router), so a sender's
// messages reach each recipient in the order they were sent, whatever their target kinds. The channel is
// bounded: at most `window_bytes` unacknowledged and as much again waiting; a node that cannot keep up beyond
// that is reported to the node actor, which drops it from the cluster; its clients stay connected, what was sent
// to it while it is out is lost for them, and it is re-admitted within about a second (docs/cluster.md).
//
// Remote messages are accepted only from the routers of admitted members (the node actor tells this router
// who they are); anything else is dropped. Internal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/node_id.hpp>

#include "actors/routing/router.hpp"
#include "net/session_snapshot.hpp"

namespace actorhub {
class cluster_metrics;
}

namespace actorhub::cluster {

using r_deliver_atom = caf::atom_constant<caf::atom("r_deliver")>;
using r_group_atom = caf::atom_constant<caf::atom("r_group")>;
using r_dir_atom = caf::atom_constant<caf::atom("r_dir")>;
using r_snap_atom = caf::atom_constant<caf::atom("r_snap")>;
using r_invoke_atom = caf::atom_constant<caf::atom("r_invoke")>;
using r_presence_atom = caf::atom_constant<caf::atom("r_presence")>;
using r_credit_atom = caf::atom_constant<caf::atom("r_credit")>;
using r_move_atom = caf::atom_constant<caf::atom("r_move")>;
using handoff_atom = caf::atom_constant<caf::atom("l_handoff")>;
using peer_up_atom = caf::atom_constant<caf::atom("peer_up")>;
using peer_down_atom = caf::atom_constant<caf::atom("peer_down")>;
using peer_fail_atom = caf::atom_constant<caf::atom("peer_fail")>;

// A member as the node actor announces it to the routers.
struct peer_info {
  std::string name;
  std::uint64_t incarnation = 0;
  std::string tag;   // prefix of its connection ids
  caf::actor router;  // its router of this hub
  caf::node_id node;
};

struct router_settings {
  std::string hub;
  std::string node_name;
  std::string tag;  // this node's connection-id prefix
  std::size_t window_bytes = 8 * 1024 * 1024;
  caf::actor node_actor;  // told when a peer cannot keep up (peer_fail)
  cluster_metrics* metrics = nullptr;
  // Moving sessions (drain; session_moves.hpp). All optional; called on the router's thread, none blocks.
  // export_session: detaches the open stateful connection of `token` from the client endpoint, keeping its socket
  // open until close_exported (server::export_session with close_transport false), and ends its connection actor
  // without OnDisconnectedAsync; nullopt when it cannot move.
  std::function<std::optional<session_snapshot>(const std::string& token)> export_session;
  std::function<void(const std::string& token)> close_exported;
  std::function<bool(session_snapshot)> import_session;  // server::import_session
  // Where the client endpoint forwards requests of moved sessions (member_addresses::move); may be null.
  std::shared_ptr<class member_addresses> addresses;
};

// The router_actor interface plus the messages of the node actor and of other nodes' routers (all remote
// payloads are schema/cluster_wire.hpp bytes).
using cluster_router_actor = router_actor::extend<
    caf::reacts_to<peer_up_atom, peer_info>,
    caf::reacts_to<peer_down_atom, std::string, std::uint64_t>,
    caf::reacts_to<r_deliver_atom, std::uint64_t, std::string>,  // per-link sequence number, delivery
    caf::replies_to<r_group_atom, std::string>::with<ok_atom>,
    caf::replies_to<r_dir_atom, std::string>::with<ok_atom>,
    caf::reacts_to<r_snap_atom, std::string>,
    caf::replies_to<r_invoke_atom, std::string>::with<std::string>,
    caf::replies_to<r_presence_atom, std::string>::with<std::string>,
    caf::reacts_to<r_credit_atom, std::string>,
    caf::reacts_to<r_move_atom, std::uint64_t, std::string>,  // per-link sequence number, a step of a move
    // From this process (drain): move these connections (ids, tokens: same length) to the other nodes; the
    // answer, once every move completed or failed, is how many completed.
    caf::replies_to<handoff_atom, std::vector<std::string>, std::vector<std::string>>::with<std::uint64_t>>;

cluster_router_actor spawn_cluster_router(caf::actor_system& sys, router_settings settings);

// The tag of a connection id ("" when it has none): the text before its first '.'.
std::string_view tag_of(std::string_view connection_id) noexcept;

}  // namespace actorhub::cluster

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorhub::cluster::peer_info)
