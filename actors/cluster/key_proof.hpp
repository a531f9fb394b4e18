// Proving the cluster key without sending it: HMAC-SHA256 over the handshake's nonces and names, compared in
// constant time. Internal.
#pragma once

#include <string>
#include <string_view>

namespace actorhub::cluster {

// 32 random bytes from the system's CSPRNG.
std::string nonce();
// HMAC-SHA256(key, the parts joined with a 0 byte between them).
std::string key_proof(std::string_view key, std::initializer_list<std::string_view> parts);
// Constant-time equality of two proofs.
bool same_proof(std::string_view a, std::string_view b) noexcept;

}  // namespace actorhub::cluster
