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

#include <utility>
#include <vector>

#include "schema/gateway_wire.hpp"

namespace actorhub::gateway {

using out_atom = caf::atom_constant<caf::atom("gw_out")>;
using flush_atom = caf::atom_constant<caf::atom("gw_flush")>;

// Coalesces what one side queues for the link while its actor is busy into one link message: the link's cost is
// per message (two recv calls, a wake-up and allocations on each side; docs/hosted.md "Benchmarks"), not per
// byte. The owning actor calls add() for each message and, when it returns true, sends itself a flush_atom; the
// flush then comes after every message already in its mailbox, and take() returns them as one message (a batch
// when there are several).
class outbox {
 public:
  static constexpr std::size_t max_bytes = 1 << 20;  // a full outbox is flushed at once

  // True when this is the first message since the last take() (schedule a flush).
  bool add(std::string bytes) {
    bytes_ += bytes.size();
    pending_.push_back(std::move(bytes));
    return pending_.size() == 1;
  }
  bool full() const noexcept { return bytes_ >= max_bytes; }
  bool empty() const noexcept { return pending_.empty(); }
  std::string take() {
    std::string out;
    if (pending_.size() == 1) out = std::move(pending_.front());
    else if (!pending_.empty()) out = gwire::encode(gwire::batch{std::move(pending_)});
    pending_.clear();
    bytes_ = 0;
    return out;
  }
  void clear() {
    pending_.clear();
    bytes_ = 0;
  }

 private:
  std::vector<std::string> pending_;
  std::size_t bytes_ = 0;
};

}  // namespace actorhub::gateway
