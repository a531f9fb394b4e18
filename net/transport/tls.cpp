// TLS context loading (see tls.hpp). Asio's SSL support only: no Beast here.
#include "net/transport/tls.hpp"

#include <actorhub/server_options.hpp>

#include <boost/asio/ssl/context.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace actorhub::transport {

namespace ssl = boost::asio::ssl;

namespace {

std::string openssl_reason(const boost::system::error_code& ec) {
  std::string why = ec.message();
  if (auto e = ERR_peek_last_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    why = buf;
  }
  ERR_clear_error();
  return why;
}

}  // namespace

tls_config::tls_config(std::string cert_file, std::string key_file)
    : cert_(std::move(cert_file)), key_(std::move(key_file)) {}

std::string tls_config::load() {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  // TLS 1.2 and later only; no compression, no renegotiation by the client.
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression |
                       ssl::context::single_dh_use,
                   ec);
  SSL_CTX_set_options(ctx->native_handle(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  ERR_clear_error();
  ctx->use_certificate_chain_file(cert_, ec);
  if (ec) return "cannot load the TLS certificate '" + cert_ + "': " + openssl_reason(ec);
  ctx->use_private_key_file(key_, ssl::context::pem, ec);
  if (ec) return "cannot load the TLS key '" + key_ + "': " + openssl_reason(ec);
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    ERR_clear_error();
    return "the TLS key '" + key_ + "' does not match the certificate '" + cert_ + "'";
  }
  std::string warning;
  if (X509* x = SSL_CTX_get0_certificate(ctx->native_handle())) {
    if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0)
      warning = "the TLS certificate '" + cert_ + "' has expired: clients will refuse it";
    else if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0)
      warning = "the TLS certificate '" + cert_ + "' is not valid yet: clients will refuse it";
  }
  std::lock_guard<std::mutex> lk(mu_);
  ctx_ = std::move(ctx);
  warning_ = std::move(warning);
  return {};
}

std::shared_ptr<ssl::context> tls_config::context() const {
  std::lock_guard<std::mutex> lk(mu_);
  return ctx_;
}

std::string tls_config::validity_warning() const {
  std::lock_guard<std::mutex> lk(mu_);
  return warning_;
}

}  // namespace actorhub::transport

namespace actorhub {

std::string tls_files_error(const std::string& cert_file, const std::string& key_file) {
  if (cert_file.empty() != key_file.empty()) return "TLS needs both a certificate and a key file";
  if (cert_file.empty()) return {};
  return transport::tls_config(cert_file, key_file).load();
}

}  // namespace actorhub
