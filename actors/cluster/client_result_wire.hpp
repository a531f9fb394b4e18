// A client result (the answer of one client to a server's invocation) as it crosses a process boundary: the
// cluster's peers and the gateway link carry it as wire::client_result, its value as MessagePack.
#pragma once

#include "actors/actorhub/hub.hpp"
#include "schema/cluster_wire.hpp"

namespace actorhub::cluster {

wire::client_result client_result_to_wire(const client_result& r);

// A value that does not parse becomes an error result (the caller is answered, not left waiting).
client_result client_result_from_wire(const wire::client_result& w);

}  // namespace actorhub::cluster
