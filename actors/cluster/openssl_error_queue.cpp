// A fix for CAF 0.17's openssl module: it calls SSL_read, SSL_write, SSL_accept and SSL_connect without first
// clearing the calling thread's OpenSSL error queue, and it does not drain the queue after a failure. OpenSSL
// requires the queue to be empty before each of these calls: SSL_get_error() reports a stale entry as a fatal
// error. CAF's one multiplexer thread serves every TLS link, so one peer failing its handshake (a plain-text dial
// into a TLS port, an untrusted certificate) made the next would-block read of a healthy link look fatal and
// dropped that link (seen in tests/integration/hosted_tls.test.js).
//
// These definitions interpose the four calls for the whole process (an executable's symbols come before a
// shared library's): clear the queue, then call OpenSSL's own. Boost.Asio's TLS engine clears the queue itself,
// so for it this is a no-op. Internal.
#include <dlfcn.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace actorhub::cluster {

namespace {

template <class F>
F real(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

}  // namespace

// Referenced by link_tls.cpp so that this object is linked whenever link TLS can be configured.
void keep_openssl_error_queue_fix() {}

}  // namespace actorhub::cluster

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static const auto f = actorhub::cluster::real<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return f(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static const auto f = actorhub::cluster::real<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return f(ssl, buf, num);
}

int SSL_accept(SSL* ssl) {
  static const auto f = actorhub::cluster::real<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return f(ssl);
}

int SSL_connect(SSL* ssl) {
  static const auto f = actorhub::cluster::real<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return f(ssl);
}

}  // extern "C"
