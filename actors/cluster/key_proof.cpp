// See key_proof.hpp.
#include "actors/cluster/key_proof.hpp"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace actorhub::cluster {

std::string nonce() {
  std::string n(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(n.data()), static_cast<int>(n.size())) != 1)
    throw std::runtime_error("no random bytes for a cluster handshake");
  return n;
}

std::string key_proof(std::string_view key, std::initializer_list<std::string_view> parts) {
  std::string msg;
  for (auto p : parts) {
    msg.append(p.data(), p.size());
    msg.push_back('\0');
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  static const unsigned char no_key = 0;
  const void* k = key.empty() ? static_cast<const void*>(&no_key) : key.data();
  HMAC(EVP_sha256(), k, static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

bool same_proof(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace actorhub::cluster
