#include "actors/cluster/link_tls.hpp"

#include <memory>

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace actorhub::cluster {

void keep_openssl_error_queue_fix();  // openssl_error_queue.cpp

namespace {

std::string ssl_reason() {
  auto e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown reason";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

}  // namespace

void configure_link_tls(caf::actor_system_config& cfg, const link_tls_files& files) {
  keep_openssl_error_queue_fix();
  cfg.load<caf::openssl::manager>();
  cfg.openssl_certificate = files.cert;
  cfg.openssl_key = files.key;
  cfg.openssl_cafile = files.ca_file();
}

std::string link_tls_error(const link_tls_files& f) {
  if (f.cert.empty() != f.key.empty()) return "link TLS needs both a certificate and a key file";
  if (!f.enabled()) return f.ca.empty() ? std::string() : "a link TLS CA file needs a certificate and a key";
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_method()), SSL_CTX_free);
  if (!ctx) return "cannot create a TLS context: " + ssl_reason();
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), f.cert.c_str()) != 1)
    return "cannot load the link TLS certificate '" + f.cert + "': " + ssl_reason();
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), f.key.c_str(), SSL_FILETYPE_PEM) != 1)
    return "cannot load the link TLS key '" + f.key + "': " + ssl_reason();
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return "the link TLS key '" + f.key + "' does not match the certificate '" + f.cert + "'";
  if (SSL_CTX_load_verify_locations(ctx.get(), f.ca_file().c_str(), nullptr) != 1)
    return "cannot load the link TLS CA file '" + f.ca_file() + "': " + ssl_reason();
  return {};
}

}  // namespace actorhub::cluster
