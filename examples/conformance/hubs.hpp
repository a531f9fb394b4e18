// The hubs of conformance-hub (CONTRACT.md §5).
#pragma once

#include <string>

#include <actorhub/hub.hpp>

namespace conformance {

// /testhub (and /testhub-nowebsockets): every test hub method; GetServerName answers `server_name`.
actorhub::hub make_test_hub(std::string server_name);
// /authorizedhub: token required; Echo, GetUserNameIdentifier, GetUserClaim.
actorhub::hub make_authorized_hub();
// /chat: Send(name, message) -> ReceiveMessage(name, message) to everyone; WhereAmI() -> `server_name` (the
// chat page shows the node holding its connection: examples/cluster).
actorhub::hub make_chat_hub(std::string server_name);

// Echo, GetUserNameIdentifier and GetUserClaim (shared by the test hub and the authorized hub).
void add_identity_methods(actorhub::hub& h);

}  // namespace conformance
