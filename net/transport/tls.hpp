// TLS for the client endpoint: the certificate and key files, loaded into an OpenSSL context that new
// connections use. A reload (SIGHUP) swaps the context; connections made before keep theirs to the end.
#pragma once

#include <memory>
#include <mutex>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace actorhub::transport {

class tls_config {
 public:
  tls_config(std::string cert_file, std::string key_file);
  // (Re)loads both files. Empty on success; otherwise the reason, and the previous context stays in use.
  std::string load();
  // The context for a new connection (null before a successful load).
  std::shared_ptr<boost::asio::ssl::context> context() const;
  const std::string& cert_file() const noexcept { return cert_; }
  // A warning about the loaded certificate (expired, not yet valid), or empty.
  std::string validity_warning() const;

 private:
  std::string cert_, key_;
  mutable std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> ctx_;
  std::string warning_;
};

}  // namespace actorhub::transport
