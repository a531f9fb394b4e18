// What both ends of a gateway link share: the CAF atom that carries schema/gateway_wire.hpp bytes, the key proof
// labels, the claim that pins a client to its app server, and the URLs tokens are bound to. Internal.
#pragma once

#include <string>
#include <string_view>

#include <caf/atom.hpp>

namespace actorhub::gateway {

// Every message between a gateway and an app server: (gw_atom, bytes of one gwire message). Handshake steps are
// requests answered with bytes ("" = refused).
using gw_atom = caf::atom_constant<caf::atom("gw_msg")>;

constexpr const char* challenge_label = "actorhub-gateway-v1 challenge";
constexpr const char* proof_label = "actorhub-gateway-v1 proof";

// The claim of a redirect token naming the app server that issued it, by its --name (the client is pinned to it
// while it is linked).
constexpr const char* server_claim = "actorhub.server";

// "http://host:port/client/?hub=H": where an app server redirects clients of hub H, and the `aud` of their token.
inline std::string client_url(std::string_view base, std::string_view hub) {
  std::string u(base);
  while (!u.empty() && u.back() == '/') u.pop_back();
  u += "/client/?hub=";
  u += hub;
  return u;
}

}  // namespace actorhub::gateway
