// A stateful-reconnect session as it travels between nodes: the client endpoint's session_snapshot plus what the
// router knows of it (its user and groups), to and from schema/cluster_wire.hpp's session_handoff. Internal.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "net/session_snapshot.hpp"
#include "schema/cluster_wire.hpp"

namespace actorhub::cluster {

wire::session_handoff to_wire(const session_snapshot& snap, const std::vector<std::string>& groups);

// nullopt when the handoff is inconsistent (no id or token, an unknown protocol, a sequence below 1, or more
// records than sequence ids before next_outbound_sequence). The connect request's details (headers, query,
// cookies, claims) that do not read back as JSON are left out; the ids, user and protocol never are.
std::optional<session_snapshot> from_wire(const wire::session_handoff& h, const std::string& hub_name);

}  // namespace actorhub::cluster
