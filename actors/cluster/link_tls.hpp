// TLS on process-to-process links carried by CAF's io middleman (cluster node links, gateway <-> app server
// links), through CAF's openssl module. Internal.
//
// CAF's module authenticates both ends: each side presents its certificate and accepts only a peer whose
// certificate the CA file verifies (no host name check). So both sides need a certificate and a key; the usual
// setup is one link certificate shared by all (the CA file defaults to the certificate file itself), or one CA
// that signed every side's certificate. One actor system has one such setting.
#pragma once

#include <string>

#include <caf/actor_system_config.hpp>

namespace actorhub::cluster {

struct link_tls_files {
  std::string cert;  // PEM certificate (chain, leaf first)
  std::string key;   // its PEM private key
  std::string ca;    // PEM CA certificates that verify the peer ("": the certificate file)

  bool enabled() const noexcept { return !cert.empty(); }
  const std::string& ca_file() const noexcept { return ca.empty() ? cert : ca; }
};

// Loads CAF's openssl module with these files (call from deployment::configure, only when enabled()).
void configure_link_tls(caf::actor_system_config& cfg, const link_tls_files& files);

// "" when the files load (certificate, matching key, CA), else why not. CAF's module would otherwise fail on the
// first connection, inside its multiplexer.
std::string link_tls_error(const link_tls_files& files);

}  // namespace actorhub::cluster
